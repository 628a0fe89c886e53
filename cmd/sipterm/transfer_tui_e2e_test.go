package main

// The TUI's blind transfer under tmux. Ports: the phone 5280, baresip A 5282 and C 5284
// (ctrl 35282, 35284), SIPp 5288.

import (
	"strings"
	"testing"
	"time"
)

// TestTUITransferBlind: the TUI dials baresip A; `t` + a typed URI transfers A to baresip C.
// The screen shows the transfer's progress, the call held while it runs, and the call ending
// "transferred"; C hears A's tone.
func TestTUITransferBlind(t *testing.T) {
	needTools(t, "baresip", "sox", "tmux")
	l := lab(t)
	l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=1000"}, "baresip.sh", "5282")
	c := l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=700"}, "baresip.sh", "5284")
	tui := startTUI(t, "--config", xferPhoneConfig(t, 5280, "accept"), "--listen", phoneAddr(5280), "--audio", "null")
	tui.waitScreen("the listen address", 20*time.Second, "udp:127.0.0.1:5280")

	// OPTIONS answers say what we support: Replaces too (transferors check it)
	r := l.sipp("options", phoneAddr(5280), "SIPP_PORT=5288")
	r.expectOK(t, 1)
	supported := ""
	for _, m := range r.SipMessages() {
		if !m.Sent && m.Code() == 200 {
			supported = m.Headers["supported"]
		}
	}
	if !strings.Contains(supported, "replaces") {
		t.Errorf("OPTIONS 200 Supported %q, want replaces in it", supported)
	}

	tui.keys("d")
	tui.waitScreen("the dial line", 5*time.Second, "dial: ")
	tui.text("sip:baresip@127.0.0.1:5282")
	tui.keys("Enter")
	tui.waitLine("the call to A established", 15*time.Second, "→ out", "sip:baresip@127.0.0.1:5282", "established")

	tui.keys("t")
	tui.waitScreen("the transfer line", 5*time.Second, "transfer c1 to:")
	tui.text("sip:baresip@127.0.0.1:5284")
	tui.waitScreen("the typed target", 5*time.Second, "to: sip:baresip@127.0.0.1:5284")
	tui.keys("Enter")
	tui.waitScreen("the transfer in the log", 15*time.Second, "transfer to sip:baresip@127.0.0.1:5284: accepted")
	tui.waitScreen("the transfer's success", 20*time.Second, "transfer to sip:baresip@127.0.0.1:5284: succeeded")
	tui.waitLine("the call ended transferred", 10*time.Second, "c1 terminated", "transferred")

	time.Sleep(2 * time.Second) // A and C talk
	if out, rc := l.baresipCtl(portOf(c.KV["ctrl"]), "hangup", "CALL_CLOSED", 10*time.Second); rc != 0 {
		t.Errorf("C's hangup: rc=%d %s", rc, out)
	}
	newestWav(t, l, c, 1000)

}
