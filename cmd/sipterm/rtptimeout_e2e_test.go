package main

import (
	"strings"
	"testing"
	"time"
)

// TestRTPTimeout: a call whose peer sends no RTP (SIPp uac-nortp) is ended by the phone's
// explicit, logged rule: after rtp_timeout the phone sends BYE and the call's terminated event
// says "RTP timeout".
func TestRTPTimeout(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	cfg := writeFile(t, t.TempDir(), "config.toml", "listen = \"127.0.0.1:5062\"\naudio = \"null\"\nrtp_timeout = \"2s\"\nauto_answer = \"0s\"\n")
	p := startPhone(t, "--config", cfg)
	res := l.sippAsync("uac-nortp", phoneAddr(5062), "SERVICE=sipterm", "DURATION=15", "SIPP_PORT=5094")
	est := p.waitFor(15*time.Second, "call", "state", "established")
	start := time.Now()
	term := p.waitFor(15*time.Second, "call", "id", est.Str("id"), "state", "terminated")
	if term.Str("reason") != "RTP timeout" {
		t.Fatalf("the call ended for another reason: %s", term.Raw)
	}
	if waited := time.Since(start); waited > 12*time.Second {
		t.Errorf("the RTP timeout of 2 s took %v", waited)
	}
	r := <-res
	// SIPp expected to hang up itself; it must have seen our BYE instead.
	sawBye := false
	for _, m := range r.SipMessages() {
		if !m.Sent && strings.HasPrefix(m.First, "BYE ") {
			sawBye = true
		}
	}
	if !sawBye {
		t.Errorf("SIPp never received the phone's BYE: %s", r.Line)
	}
	p.waitCalls(0, 5*time.Second)
}
