package main

import (
	"bytes"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// ctl runs `sipterm ctl --socket PATH ARGS...` and returns its stdout and exit status.
func ctl(t *testing.T, socket string, args ...string) (string, int) {
	t.Helper()
	var out, errb bytes.Buffer
	cmd := exec.Command(phoneBin, append([]string{"ctl", "--socket", socket, "--timeout", "20s"}, args...)...)
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	rc := 0
	if ee, ok := err.(*exec.ExitError); ok {
		rc = ee.ExitCode()
	} else if err != nil {
		t.Fatalf("sipterm ctl %v: %v", args, err)
	}
	t.Logf("sipterm ctl %s -> %d: %s%s", strings.Join(args, " "), rc, out.String(), errb.String())
	return out.String(), rc
}

// TestCtlDialsFromTUI: `sipterm ctl dial` against a TUI running in tmux places a call the screen
// shows; ctl hangup ends it; an unknown verb exits 1; ctl quit ends the TUI with status 0.
func TestCtlDialsFromTUI(t *testing.T) {
	needTools(t, "sipp", "tmux")
	l := lab(t)
	sock := filepath.Join(t.TempDir(), "ctl")
	tui := startTUI(t, "--listen", "127.0.0.1:5270", "--audio", "null", "--control", sock)
	tui.waitScreen("the listen address", 20*time.Second, "udp:127.0.0.1:5270")
	l.startPeer([]string{"SIPP_PORT=5271", "COUNT=1"}, "sipp.sh", "uas")

	out, rc := ctl(t, sock, "dial", "sip:uas@127.0.0.1:5271")
	if rc != 0 || !strings.Contains(out, `"event":"dialing"`) || !strings.Contains(out, `"event":"ok"`) {
		t.Fatalf("ctl dial: rc %d, %q; want dialing and ok", rc, out)
	}
	tui.waitScreen("the call placed by ctl", 15*time.Second, "sip:uas@127.0.0.1:5271", "established")
	if out, rc := ctl(t, sock, "calls"); rc != 0 || !strings.Contains(out, `"state":"established"`) || !strings.Contains(out, `"count":1`) {
		t.Fatalf("ctl calls: rc %d, %q; want the established call and count 1", rc, out)
	}
	if _, rc := ctl(t, sock, "hangup"); rc != 0 {
		t.Fatalf("ctl hangup: rc %d", rc)
	}
	tui.waitLine("the call ended in the Calls pane", 15*time.Second, "sip:uas@127.0.0.1:5271", "terminated")
	if out, rc := ctl(t, sock, "frobnicate"); rc != 1 || !strings.Contains(out, `"event":"error"`) {
		t.Fatalf("ctl frobnicate: rc %d, %q; want 1 and an error reply", rc, out)
	}
	if _, rc := ctl(t, sock, "quit"); rc != 0 {
		t.Fatalf("ctl quit: rc %d", rc)
	}
	tui.waitScreen("the exit line", 15*time.Second, "SIPTERM-EXITED-0")
	if _, rc := ctl(t, sock, "calls"); rc != 2 {
		t.Fatalf("ctl with no phone: rc %d, want 2", rc)
	}
}

var tsRe = regexp.MustCompile(`^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$`)

// TestHeadlessScriptableEvents: every line carries ts (RFC 3339, ms, UTC); --sip-events streams
// the SIP messages; a tagged command's replies echo the tag and end with ok; --record names each
// call's file in a recording event; a dial that fails before its call exists still gets a
// terminated call event with code and reason, and the log says the same reason.
func TestHeadlessScriptableEvents(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	rec := filepath.Join(t.TempDir(), "rec.wav")
	p := startPhone(t, "--listen", "127.0.0.1:5272", "--audio", "file", "--record", rec, "--sip-events")
	l.startPeer([]string{"SIPP_PORT=5273", "COUNT=1"}, "sipp.sh", "uas")
	p.Send("@t1 dial sip:uas@127.0.0.1:5273")
	p.waitEvent(ev("ok", "req", "t1"), 10*time.Second)
	est := p.waitFor(10*time.Second, "call", "state", "established")
	p.waitEvent(ev("recording", "id", est.Str("id"), "file", rec), 5*time.Second)
	p.waitEvent(ev("sip", "direction", "out"), 5*time.Second)
	p.waitEvent(ev("sip", "direction", "in"), 5*time.Second)
	p.Send("hangup")
	p.waitFor(10*time.Second, "call", "id", est.Str("id"), "state", "terminated")

	p.Send("@t2 dial sip:bob@127.0.0.1:5273 nosuchaccount")
	p.waitEvent(ev("error", "req", "t2"), 5*time.Second)
	failed := p.waitFor(5*time.Second, "call", "state", "terminated", "code", "404")
	if failed.Str("reason") == "" || failed.Str("direction") != "out" {
		t.Errorf("failed dial: %s, want a reason and direction out", failed.Raw)
	}
	if err := waitFileContains(p.errLog, "reason="+strconv.Quote(failed.Str("reason")), 5*time.Second); err != nil {
		t.Errorf("the log does not carry the event's reason %q: %v", failed.Str("reason"), err)
	}
	for _, e := range p.Events() {
		if !tsRe.MatchString(e.Str("ts")) {
			t.Errorf("event without an RFC 3339 ms UTC ts: %s", e.Raw)
		}
		if e.Str("event") == "dialing" && e.Str("req") != "t1" {
			t.Errorf("dialing reply without req t1: %s", e.Raw)
		}
		if e.Str("event") == "call" && e.Str("req") != "" {
			t.Errorf("a call event is not a reply: %s", e.Raw)
		}
	}
}
