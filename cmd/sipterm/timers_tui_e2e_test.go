package main

import (
	"strings"
	"testing"
	"time"
)

// TestTUITimersDNDAndRingTimeout drives the real TUI under tmux: `D` turns do-not-disturb on (the
// status bar shows DND) and SIPp's call gets 486 with no ringing; `D` again turns it off; `f`
// forwards a ringing call (302); a call
// dialled with `d` to a SIPp that rings for ever ends after ring_timeout with "no answer".
func TestTUITimersDNDAndRingTimeout(t *testing.T) {
	needTools(t, "sipp", "tmux")
	l := lab(t)
	cfg := timersConfig(t, "", "ring_timeout = \"2s\"\n")
	tui := startTUI(t, "--config", cfg, "--listen", phoneAddr(timersPhone), "--audio", "null")
	tui.waitScreen("the listen address", 20*time.Second, "udp:127.0.0.1:5190")

	tui.keys("D")
	tui.waitScreen("DND in the status bar", 10*time.Second, "│ DND")
	r := l.sipp("uac-refused-486", phoneAddr(timersPhone), "SIPP_PORT=5191")
	r.expectOK(t, 1)
	tui.waitScreen("the DND refusal in the log", 10*time.Second, "486 do not disturb")
	tui.keys("D")
	tui.waitScreen("DND off in the log", 10*time.Second, "do not disturb off")
	if s := tui.screen(); strings.Contains(s, "│ DND") {
		t.Errorf("the status bar still shows DND after the second D:\n%s", s)
	}

	// `f` forwards the ringing call: SIPp gets 302 with the typed URI as Contact.
	res := l.sippAsync("uac-no-answer", phoneAddr(timersPhone), "SIPP_PORT=5191")
	tui.waitScreen("the incoming call", 15*time.Second, ">>> INCOMING CALL", "sipp")
	tui.keys("f")
	tui.waitScreen("the redirect prompt", 5*time.Second, "redirect c")
	tui.text("sip:carol@127.0.0.1:5199")
	tui.keys("Enter")
	r = <-res
	r.expectOK(t, 1)
	contact := ""
	for _, m := range r.SipMessages() {
		if !m.Sent && m.Code() == 302 {
			contact = m.Headers["contact"]
		}
	}
	if !strings.Contains(contact, "sip:carol@127.0.0.1:5199") {
		t.Errorf("302 Contact %q, want sip:carol@127.0.0.1:5199 (responses %v)", contact, r.Responses())
	}

	l.startPeer([]string{"SIPP_PORT=5192", "COUNT=1", "DURATION=0"}, "sipp.sh", "uas-cancel")
	tui.keys("d")
	tui.waitScreen("the dial line", 5*time.Second, "dial: ")
	tui.text("sip:uas@127.0.0.1:5192")
	tui.waitScreen("the typed target", 5*time.Second, "dial: sip:uas@127.0.0.1:5192")
	tui.keys("Enter")
	tui.waitScreen("the ringing call", 10*time.Second, "sip:uas@127.0.0.1:5192", "ringing")
	tui.waitScreen("the ring timeout", 10*time.Second, "408 no answer")
}
