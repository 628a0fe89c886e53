package phone

import (
	"fmt"
	"log/slog"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// TestSIPGlobalsLinger: finished UDP server transactions are kept txLinger, not sipgo's 32 s;
// an answered INVITE's acceptedLinger, long enough for sipgo's first 2xx retransmission (at T1),
// the phone's own making the rest of RFC 3261's schedule (fillSends).
func TestSIPGlobalsLinger(t *testing.T) {
	setSIPGlobals(slog.Default())
	tests := []struct {
		name      string
		got, want any
	}{
		{"Timer L (answered INVITE)", sip.Timer_L, acceptedLinger},
		{"Timer J (non-INVITE)", sip.Timer_J, txLinger},
		{"Timer H (ACK of a refusal)", sip.Timer_H, txLinger},
		{"freeing memory waits out the linger", freeMemAfter > txLinger, true},
		{"sipgo's retransmission at T1 goes out before Timer L", acceptedLinger > sip.T1, true},
		{"the phone's 2xx retransmissions after T1", fmt.Sprint(fillSends),
			"[1.5s 3.5s 7.5s 11.5s 15.5s 19.5s 23.5s 27.5s 31.5s]"},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// TestEndedDialogs: an ended dialog is remembered by Call-ID and the peer's tag for at least
// endedKeep and forgotten after twice that.
func TestEndedDialogs(t *testing.T) {
	e := newEndedDialogs()
	e.add("cid-1@host", "peer-tag", endedCall)
	tests := []struct {
		name     string
		age      time.Duration // how long ago the generation holding it was started
		cid, tag string
		how      endedHow
		want     bool
	}{
		{"just ended", 0, "cid-1@host", "peer-tag", endedCall, true},
		{"not by the peer's BYE", 0, "cid-1@host", "peer-tag", endedByBye, false},
		{"another tag of the same Call-ID", 0, "cid-1@host", "other", endedCall, false},
		{"another Call-ID", 0, "cid-2@host", "peer-tag", endedCall, false},
		{"one rotation later", endedKeep, "cid-1@host", "peer-tag", endedCall, true},
		{"two rotations later", 2 * endedKeep, "cid-1@host", "peer-tag", endedCall, false},
	}
	for _, tt := range tests {
		e.mu.Lock()
		e.rotated = time.Now().Add(-tt.age)
		e.mu.Unlock()
		if got := e.has(tt.cid, tt.tag, tt.how); got != tt.want {
			t.Errorf("%s: has = %v, want %v", tt.name, got, tt.want)
		}
	}
	e.add("", "x", endedCall) // no Call-ID: nothing to remember
	if e.has("", "x", endedCall) {
		t.Error("a request without a Call-ID matched an ended dialog")
	}
}
