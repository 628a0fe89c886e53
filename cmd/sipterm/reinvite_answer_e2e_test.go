package main

// Our own re-INVITE whose answer cannot be used (phone/commands.go reinvite). Ports 5532-5533.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestHoldAnswerUnusable: the callee (SIPp) answers our hold with an SDP we cannot use (only
// G729, which we did not offer). The user is told, the call stays established and not held, and
// our side of the session is rolled back: when SIPp then offers sendrecv, our answer is
// a=sendrecv (SIPp's check_it fails the call on a=sendonly, the direction of the hold that
// never happened).
func TestHoldAnswerUnusable(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	uas := l.startPeer([]string{"SIPP_PORT=5533", "COUNT=1"}, "sipp.sh", "uas-reinvite-bad-answer")
	p := startPhone(t, "--listen", "127.0.0.1:5532", "--audio", "null")
	p.Send("dial sip:uas@127.0.0.1:5533")
	est := p.waitFor(15*time.Second, "call", "state", "established")
	id := est.Str("id")
	p.Send("hold " + id)
	n := p.waitEvent(func(e Event) bool {
		return e.Str("event") == "notice" && strings.Contains(e.Str("message"), "hold failed: the answer is unusable")
	}, 15*time.Second)
	t.Logf("notice: %s", n.Str("message"))
	// SIPp's re-INVITE comes 0.5 s after its ACK; our answer to it is checked by SIPp
	if err := waitFileContains(p.trace, "CSeq: 7 INVITE", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	time.Sleep(time.Second) // the answer and SIPp's ACK
	p.noEvent("held state", func(e Event) bool {
		return e.Str("event") == "call" && e.Str("id") == id && e.Str("state") == "held"
	})
	p.Send("hangup " + id)
	term := p.waitFor(15*time.Second, "call", "id", id, "state", "terminated")
	if term.Int("code") != 200 {
		t.Errorf("terminated %s, want code 200", term.Raw)
	}
	deadline := time.Now().Add(15 * time.Second)
	for pidAlive(l.Dir, uas.Name) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if scr, err := os.ReadFile(filepath.Join(l.Dir, uas.Name, "screen.log")); err != nil || !successfulOne(string(scr)) {
		t.Errorf("SIPp UAS did not pass (our answer after the failed hold not a=sendrecv?) (err %v):\n%s", err, scr)
	}
}
