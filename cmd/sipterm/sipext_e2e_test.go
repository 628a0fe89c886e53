package main

// SIP extensions against SIPp (issue 8, items 5-7): 100rel/PRACK both ways, Require -> 420,
// session timers, UPDATE, re-INVITE without SDP, Allow/405/501. Phone ports 5180, 5182, ...;
// SIPp 5181, 5183, ... (media 10910 + ...). None run in parallel (fixed ports).

import (
	"strings"
	"testing"
	"time"
)

// TestSipextRequire420: a Require we do not implement gets 420 naming it (only it), after
// screening (a stranger's INVITE gets 404 whatever it requires); SUBSCRIBE 405 with Allow,
// an unknown method 501.
func TestSipextRequire420(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5180), "--audio", "null")
	t0 := time.Now()
	r := l.sipp("uac-require-420", phoneAddr(5180), "SIPP_PORT=5181")
	t.Logf("sipp took %v", time.Since(t0))
	r.expectOK(t, 1)
	for _, m := range r.SipMessages() {
		if !m.Sent && m.Code() == 420 {
			if u := m.Headers["unsupported"]; strings.Contains(u, "100rel") {
				t.Errorf("420 names 100rel, which we implement: Unsupported: %s", u)
			}
		}
	}
	term := p.waitFor(5*time.Second, "call", "code", "420")
	if !strings.Contains(term.Str("reason"), "foo") {
		t.Errorf("refused call's reason does not name foo: %s", term.Raw)
	}
	p.noEvent("a ringing call", ev("call", "state", "incoming"))
}

// TestSipextPrackAsCallee: SIPp calls with Require: 100rel; the phone (answering at once)
// sends a reliable 180 (RSeq, Require: 100rel) and holds its 200 until SIPp's PRACK, sent 1 s
// later, has been answered.
func TestSipextPrackAsCallee(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5182), "--auto-answer", "0s", "--audio", "null")
	r := l.sipp("uac-prack", phoneAddr(5182), "SIPP_PORT=5183", "DURATION=1")
	r.expectOK(t, 1)
	prack, ok200 := -1, -1
	for i, m := range r.SipMessages() {
		switch {
		case m.Sent && strings.HasPrefix(m.First, "PRACK ") && prack < 0:
			prack = i
		case !m.Sent && m.Code() == 200 && strings.HasSuffix(m.Headers["cseq"], "INVITE") && ok200 < 0:
			ok200 = i
		}
	}
	if prack < 0 || ok200 < 0 || ok200 < prack {
		t.Errorf("SIPp's PRACK at message %d, the 200 to the INVITE at %d: want the 200 after the PRACK", prack, ok200)
	}
	_, est, _ := sippCallEvents(t, p)
	p.waitFor(5*time.Second, "media", "id", est.Str("id"))
	p.never603()
}
