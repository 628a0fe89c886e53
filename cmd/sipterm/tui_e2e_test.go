package main

import (
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// tmuxTUI runs the real binary's TUI in a private tmux server and reads its screen.
type tmuxTUI struct {
	t      *testing.T
	socket string
	dir    string
}

func startTUI(t *testing.T, args ...string) *tmuxTUI {
	t.Helper()
	skipInUnit(t, "runs the built phone")
	needTools(t, "tmux")
	if err := ensurePhone(); err != nil {
		t.Fatalf("building the phone: %v", err)
	}
	dir := testDir(t, "tui")
	tt := &tmuxTUI{t: t, socket: filepath.Join(dir, "tmux.sock"), dir: dir}
	// The program's own exit line, not tmux's "pane is dead", tells that it quit (NOTES §4).
	cmdline := fmt.Sprintf("XDG_CONFIG_HOME=%q XDG_STATE_HOME=%q XDG_RUNTIME_DIR=%q %q %s 2>%q; echo SIPTERM-EXITED-$?; sleep 60",
		dir, dir, dir, phoneBin, strings.Join(args, " "), filepath.Join(dir, "stderr.txt"))
	tt.tmux("new-session", "-d", "-s", "t", "-x", "100", "-y", "32", cmdline)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("last screen:\n%s", tt.screen())
			if b, err := os.ReadFile(filepath.Join(dir, "sipterm", "sipterm.log")); err == nil {
				t.Logf("log tail:\n%s", tail(string(b), 40))
			}
		}
		_ = exec.Command("tmux", "-S", tt.socket, "kill-server").Run()
	})
	return tt
}

func (tt *tmuxTUI) tmux(args ...string) string {
	tt.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	out, err := exec.CommandContext(ctx, "tmux", append([]string{"-S", tt.socket, "-f", "/dev/null"}, args...)...).CombinedOutput()
	if err != nil {
		tt.t.Fatalf("tmux %v: %v: %s", args, err, out)
	}
	return string(out)
}

func (tt *tmuxTUI) screen() string {
	out, _ := exec.Command("tmux", "-S", tt.socket, "capture-pane", "-p", "-t", "t").CombinedOutput()
	return string(out)
}

// keys sends keys as tmux names them ("a", "Enter", or literal text with -l).
func (tt *tmuxTUI) keys(keys ...string) {
	tt.tmux(append([]string{"send-keys", "-t", "t"}, keys...)...)
}
func (tt *tmuxTUI) text(s string) { tt.tmux("send-keys", "-t", "t", "-l", s) }

// tuiMinWait is the least a screen wait allows. Run 20 times in a row on the shared 2-core
// machine (load ~25), the TUI tests failed 15 times waiting 5 s for typed text or 15 s for
// SIPp's INVITE to show: the phone, tmux and SIPp were starved, not wrong. A wait returns as
// soon as the text is there, so a passing test is no slower.
const tuiMinWait = 40 * time.Second

// waitScreen polls the screen until every want appears.
func (tt *tmuxTUI) waitScreen(what string, timeout time.Duration, want ...string) string {
	tt.t.Helper()
	timeout = max(timeout, tuiMinWait)
	deadline := time.Now().Add(timeout)
	for {
		s := tt.screen()
		ok := true
		for _, w := range want {
			if !strings.Contains(s, w) {
				ok = false
			}
		}
		if ok {
			return s
		}
		if time.Now().After(deadline) {
			tt.t.Fatalf("screen never showed %s (%q) within %v:\n%s", what, want, timeout, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// waitLine polls the screen until one line shows every want (one row of a table, say).
func (tt *tmuxTUI) waitLine(what string, timeout time.Duration, want ...string) {
	tt.t.Helper()
	timeout = max(timeout, tuiMinWait)
	deadline := time.Now().Add(timeout)
	for {
		s := tt.screen()
		for _, line := range strings.Split(s, "\n") {
			ok := true
			for _, w := range want {
				if !strings.Contains(line, w) {
					ok = false
				}
			}
			if ok {
				return
			}
		}
		if time.Now().After(deadline) {
			tt.t.Fatalf("no screen line showed %s (%q) within %v:\n%s", what, want, timeout, s)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestTUIAnswerHangupDialQuit drives the real TUI under tmux while SIPp calls it: the incoming
// call shows, `a` answers (SIPp sees 200), `h` hangs up (SIPp sees BYE), `d` + a URI dials a
// SIPp UAS, and `q` quits the process.
func TestTUIAnswerHangupDialQuit(t *testing.T) {
	needTools(t, "sipp", "tmux")
	l := lab(t)
	tui := startTUI(t, "--listen", "127.0.0.1:5077", "--audio", "null")
	tui.waitScreen("the listen address", 20*time.Second, "udp:127.0.0.1:5077")

	// SIPp calls; a person answers with `a` and hangs up with `h`.
	res := l.sippAsync("uac-wait-bye", "127.0.0.1:5077", "SERVICE=sipterm", "SIPP_PORT=5091")
	// The banner, drawn from the UI's own model: the log pane's "incoming call from=sip:sipp..."
	// line can be drawn before the call event reaches the model, and `a` then finds nothing to answer.
	tui.waitScreen("the incoming call", 15*time.Second, ">>> INCOMING CALL", "sipp")
	tui.keys("a")
	// One row must say it (a log line's words could be on screen before the Calls pane has them).
	tui.waitLine("the answered call", 15*time.Second, "← in", "sip:sipp@", "established")
	time.Sleep(500 * time.Millisecond)
	tui.keys("h")
	r := <-res
	if r.RC != 0 || r.Successful != 1 {
		t.Fatalf("SIPp (answered with a, hung up with h): %s\n%s", r.Line, r.errTail())
	}
	codes := r.Responses()
	if !containsCode(codes, 200) || containsCode(codes, 603) {
		t.Fatalf("SIPp saw responses %v, want a 200 and never a 603", codes)
	}
	tui.waitScreen("the ended call", 10*time.Second, "terminated")

	// `d` + URI dials a SIPp UAS; `h` hangs up (the UAS passes only on our BYE).
	uas := l.startPeer([]string{"SIPP_PORT=5093", "COUNT=1"}, "sipp.sh", "uas")
	tui.keys("d")
	tui.text("sip:uas@127.0.0.1:5093")
	tui.keys("Enter")
	// The Calls pane's row, not the screen: the first call's log lines already say "established".
	tui.waitLine("the outgoing call established", 15*time.Second, "→ out", "sip:uas@127.0.0.1:5093", "established")
	time.Sleep(500 * time.Millisecond)
	tui.keys("h")
	deadline := time.Now().Add(15 * time.Second)
	for {
		b, _ := os.ReadFile(filepath.Join(l.Dir, uas.Name+".log"))
		if strings.Contains(string(b), "Successful call") || !pidAlive(l.Dir, uas.Name) {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("UAS still running 15 s after h")
		}
		time.Sleep(200 * time.Millisecond)
	}
	if scr, err := os.ReadFile(filepath.Join(l.Dir, uas.Name, "screen.log")); err != nil || !successfulOne(string(scr)) {
		t.Fatalf("SIPp UAS did not finish its call cleanly (err %v):\n%s", err, scr)
	}

	// `q` quits: no live calls, so no question; the process exits 0. The quit check counts the calls
	// the UI shows as live, so wait, as a person would, until the Calls pane shows this one ended
	// (SIPp's log can say so before the call-ended event reaches the UI).
	tui.waitLine("the dialled call ended in the Calls pane", 15*time.Second, "→ out", "sip:uas@127.0.0.1:5093", "terminated")
	tui.keys("q")
	tui.waitScreen("the exit line", 15*time.Second, "SIPTERM-EXITED-0")
}

func containsCode(codes []int, code int) bool {
	for _, c := range codes {
		if c == code {
			return true
		}
	}
	return false
}

// pidAlive reads a lab peer's pidfile (removed by stop.sh; its process exits after COUNT calls).
func pidAlive(dir, name string) bool {
	b, err := os.ReadFile(filepath.Join(dir, name+".pid"))
	if err != nil {
		return false
	}
	return exec.Command("kill", "-0", strings.TrimSpace(string(b))).Run() == nil
}

// successfulOne reads SIPp's screen file: one successful call, none failed.
func successfulOne(screen string) bool {
	var ok, failed string
	for _, line := range strings.Split(screen, "\n") {
		f := strings.Split(line, "|")
		if len(f) < 3 {
			continue
		}
		switch strings.TrimSpace(f[0]) {
		case "Successful call":
			ok = strings.TrimSpace(f[2])
		case "Failed call":
			failed = strings.TrimSpace(f[2])
		}
	}
	return ok == "1" && failed == "0"
}
