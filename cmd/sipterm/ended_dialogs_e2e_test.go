package main

// Requests that outlive their transactions (phone/ended_dialogs.go, phone/memory.go): the phone
// ends an answered INVITE's transaction after 1 s and a BYE's at once, so what SIP's timers used
// to absorb is the phone's to handle. Ports 5530-5531.

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestLateAckAndCopies: SIPp holds back its ACK 2.5 s, sends a copy of its INVITE meanwhile, a
// copy of its BYE after the call ended, and a copy of its INVITE after that. The call is
// answered and established (the phone resent its 200 after its INVITE transaction was gone),
// the INVITE copy gets our 200 again, the BYE copy gets 200 (not 481: SIPp fails the call on
// anything else) and the late INVITE copy gets 481 and rings nothing (the phone sees one call
// only).
func TestLateAckAndCopies(t *testing.T) {
	p := answeredThenBye(t, "uac-late-ack", 5530)
	for _, line := range []string{
		"INVITE retransmitted after its transaction ended: 200 sent again",
		"late copy of an ended call's INVITE: 481, not a new call",
	} {
		if err := waitFileContains(p.errLog, line, 5*time.Second); err != nil {
			t.Error(err)
		}
	}
	if err := waitFileContains(p.trace, "CSeq: 2 BYE", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	calls := 0
	for _, e := range p.Events() {
		if e.Str("event") == "call" && e.Str("state") == "incoming" {
			calls++
		}
	}
	if calls != 1 {
		t.Errorf("%d incoming calls, want 1 (a copy of the INVITE rang as a new call):\n%s", calls, p.dumpEvents(20))
	}
	p.noEvent("481", func(e Event) bool { return e.Int("code") == 481 })
}

// answeredThenBye runs one SIPp call of scenario against an auto-answering phone on port (SIPp on
// port+1): SIPp must pass, and the call be established and then ended by the caller's BYE.
func answeredThenBye(t *testing.T, scenario string, port int) *Phone {
	t.Helper()
	needTools(t, "sipp")
	l := lab(t)
	addr := fmt.Sprintf("127.0.0.1:%d", port)
	p := startPhone(t, "--listen", addr, "--auto-answer", "0s", "--audio", "null")
	r := l.sipp(scenario, addr, fmt.Sprintf("SIPP_PORT=%d", port+1))
	if r.RC != 0 || r.Successful != 1 {
		t.Fatalf("SIPp: %s\n%s", r.Line, r.errTail())
	}
	p.waitFor(10*time.Second, "call", "state", "established")
	end := p.waitFor(10*time.Second, "call", "state", "terminated")
	if end.Int("code") != 200 || !strings.Contains(end.Str("reason"), "BYE") {
		t.Fatalf("the call did not end by the caller's BYE: %s", end.Raw)
	}
	return p
}
