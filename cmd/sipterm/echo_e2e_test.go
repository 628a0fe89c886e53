package main

import (
	"path/filepath"
	"testing"
	"time"
)

// TestEchoTest: dialing "echo" connects to the phone's built-in echo endpoint; the tone the
// phone sends (file device) comes back into its own recording.
func TestEchoTest(t *testing.T) {
	needTools(t, "sox")
	l := lab(t)
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone700.wav")
	makeTone(t, tone, 700, 10)
	rec := filepath.Join(dir, "rec.wav")
	p := startPhone(t, "--listen", phoneAddr(5088), "--audio", "file", "--play", tone, "--record", rec)
	p.Send("dial echo")
	est := p.waitFor(10*time.Second, "call", "state", "established")
	id := est.Str("id")
	if est.Str("remote") != "echo" {
		t.Errorf("echo call remote %q: %s", est.Str("remote"), est.Raw)
	}
	time.Sleep(3 * time.Second)
	p.Send("hangup " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	p.stop()
	if out, ok := l.wavcheckTrimmed(rec, 700); !ok {
		t.Errorf("the echo did not bring the 700 Hz tone back into the recording: %s", out)
	} else {
		t.Logf("echo rec: %s", out)
	}
}
