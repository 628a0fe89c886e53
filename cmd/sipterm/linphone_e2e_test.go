package main

// linphonec (liblinphone) as a peer: basic calls both ways with audio, and blind transfer both
// ways. Ports: the phone 5281, linphonec 5286 (RTP 10720-10739), baresip C 5284 (ctrl 35284).

import (
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// linphoneCtl sends one console command to a linphone.sh peer; expect (a regexp) waits for
// its output, up to wait.
func (l *Lab) linphoneCtl(peer Peer, cmd, expect string, wait time.Duration) (string, int) {
	env := []string{"CTL_WAIT=" + strings.TrimSuffix(wait.Round(time.Second).String(), "s")}
	if expect != "" {
		env = append(env, "CTL_EXPECT="+expect)
	}
	return l.run(wait+10*time.Second, env, "linphone-ctl.sh", peer.Name, cmd)
}

// linphoneWav waits (bounded) for a linphone.sh recording to hold hz: linphonec completes the
// WAV header when the call ends.
func linphoneWav(t *testing.T, l *Lab, file string, hz int) {
	t.Helper()
	var out string
	ok := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if out, ok = l.wavcheckTrimmed(file, hz); ok {
			break
		}
	}
	if !ok {
		t.Errorf("linphonec's recording %s does not hold %d Hz: %s", file, hz, out)
	} else {
		t.Logf("linphonec rec: %s", out)
	}
}

// TestLinphoneCallsAndTransfers: the phone calls linphonec and linphonec calls the phone
// (audio both ways); linphonec transfers the phone to baresip C (the phone accepts the REFER
// and calls C), and the phone transfers linphonec to C (held first; linphonec calls C, who
// hears linphonec's tone).
func TestLinphoneCallsAndTransfers(t *testing.T) {
	needTools(t, "linphonec", "baresip", "sox")
	l := lab(t)
	lp := l.startPeer([]string{"SINE_FREQ=880"}, "linphone.sh", "5286")
	c := l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=880"}, "baresip.sh", "5284")
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone440.wav")
	makeTone(t, tone, 440, 30)
	rec := filepath.Join(dir, "rec.wav")
	p := startPhone(t, "--config", xferPhoneConfig(t, 5281, "accept"), "--listen", phoneAddr(5281),
		"--audio", "file", "--play", tone, "--record", rec, "--auto-answer", "0s")
	lpURI := "sip:linphone@127.0.0.1:5286"
	target := "sip:baresip@127.0.0.1:5284"

	t.Log("step: the phone calls linphonec (auto-answer); linphonec hears the phone's 440 Hz")
	call1 := filepath.Join(dir, "lp-call1.wav")
	if out, rc := l.linphoneCtl(lp, "record "+call1, "", time.Second); rc != 0 {
		t.Fatalf("linphonec record: rc=%d %s", rc, out)
	}
	p.Send("dial " + lpURI)
	id := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	time.Sleep(2 * time.Second)
	p.Send("hangup " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	linphoneWav(t, l, call1, 440)
	if err := waitFileContains(p.trace, "Supported: 100rel, timer, replaces", 5*time.Second); err != nil {
		t.Errorf("our INVITE's Supported: %v", err)
	}

	t.Log("step: linphonec calls the phone (auto-answer), then transfers it to baresip C")
	if out, rc := l.linphoneCtl(lp, "call sip:sipterm@127.0.0.1:5281", "connected|error|failed", 10*time.Second); rc != 0 {
		t.Fatalf("linphonec call: rc=%d %s", rc, out)
	}
	in := p.waitFor(10*time.Second, "call", "state", "established").Str("id")
	time.Sleep(2 * time.Second) // linphonec's 880 Hz into the phone's recording
	if out, rc := l.linphoneCtl(lp, "transfer "+target, "", time.Second); rc != 0 {
		t.Fatalf("linphonec transfer: rc=%d %s", rc, out)
	}
	acc := p.waitFor(10*time.Second, "transfer", "id", in, "direction", "in", "state", "accepted")
	if acc.Str("target") != target {
		t.Errorf("linphonec's transfer target: %s", acc.Raw)
	}
	nid := acc.Str("new_id")
	p.waitFor(15*time.Second, "call", "id", nid, "state", "established")
	p.waitFor(10*time.Second, "transfer", "id", in, "direction", "in", "state", "succeeded")
	if term := p.waitFor(10*time.Second, "call", "id", in, "state", "terminated"); term.Str("reason") != "transferred" {
		t.Errorf("the call linphonec transferred: reason %q, want transferred: %s", term.Str("reason"), term.Raw)
	}
	// our NOTIFYs told linphonec that C rang (sipfrag 180), not only the final 200
	if err := waitFileContains(p.trace, "message/sipfrag;version=2.0\r\nContent-Length: 21\r\n\r\nSIP/2.0 180 Ringing", 5*time.Second); err != nil {
		t.Errorf("no NOTIFY with sipfrag 180 Ringing to linphonec: %v", err)
	}
	time.Sleep(time.Second) // C's 880 Hz too
	p.Send("hangup " + nid)
	p.waitFor(10*time.Second, "call", "id", nid, "state", "terminated")

	t.Log("step: the phone calls linphonec and transfers it to baresip C; C hears linphonec")
	p.Send("dial " + lpURI)
	id = p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	p.Send("transfer " + id + " " + target)
	p.waitFor(10*time.Second, "call", "id", id, "state", "held", "reason", "held locally")
	p.waitFor(10*time.Second, "transfer", "id", id, "direction", "out", "state", "accepted")
	if s := p.waitFor(20*time.Second, "transfer", "id", id, "direction", "out", "state", "succeeded"); s.Int("code") != 200 {
		t.Errorf("the transfer of linphonec: code %d, want 200: %s", s.Int("code"), s.Raw)
	}
	if term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated"); term.Str("reason") != "transferred" {
		t.Errorf("the transferred call: reason %q, want transferred: %s", term.Str("reason"), term.Raw)
	}
	time.Sleep(2 * time.Second) // linphonec and C talk
	if out, rc := l.linphoneCtl(lp, "terminate all", "", time.Second); rc != 0 {
		t.Errorf("linphonec terminate: rc=%d %s", rc, out)
	}
	newestWav(t, l, c, 880)
	p.noEvent("error", ev("error"))
	p.stop() // the phone's recording is complete once it has exited
	if out, ok := l.wavcheckTrimmed(rec, 880); !ok {
		t.Errorf("the phone's recording does not hold linphonec's (and C's) 880 Hz: %s", out)
	} else {
		t.Logf("phone rec: %s", out)
	}
}
