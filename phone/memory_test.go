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

// TestInviteCopyOfRefused: a copy of an INVITE we refused (same Call-ID, From tag, CSeq and
// branch) that comes after its transaction gets 481, not a second screening; a retry (the next
// CSeq, a new branch), a 404'd one, one without a branch and another caller's INVITE are not
// copies.
func TestInviteCopyOfRefused(t *testing.T) {
	p := screenPhone(t, screenConfig)
	invite := func(callID, tag string, seq uint32, branch string) *sip.Request {
		req := inviteTo(t, sip.INVITE, "sip:alice@127.0.0.1", "198.51.100.1:5060")
		req.From().Params.Add("tag", tag)
		cid := sip.CallIDHeader(callID)
		req.AppendHeader(&cid)
		req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: sip.INVITE})
		via := &sip.ViaHeader{ProtocolName: "SIP", ProtocolVersion: "2.0", Transport: "UDP",
			Host: "198.51.100.1", Port: 5060, Params: sip.NewParams()}
		via.Params.Add("branch", branch)
		req.PrependHeader(via)
		return req
	}
	p.rememberRefused(invite("busy@x", "t1", 1, "z9hG4bK-a"), 503)
	p.rememberRefused(invite("scan@x", "t2", 1, "z9hG4bK-b"), notFoundCode)
	p.rememberRefused(invite("old@x", "t3", 1, ""), 486)
	tests := []struct {
		name string
		req  *sip.Request
		want bool
	}{
		{"a copy of the refused INVITE", invite("busy@x", "t1", 1, "z9hG4bK-a"), true},
		{"the caller's retry after Retry-After", invite("busy@x", "t1", 2, "z9hG4bK-c"), false},
		{"another caller", invite("other@x", "t1", 1, "z9hG4bK-a"), false},
		{"a copy of a 404'd INVITE: screened again", invite("scan@x", "t2", 1, "z9hG4bK-b"), false},
		{"no branch: nothing tells a copy", invite("old@x", "t3", 1, ""), false},
	}
	for _, tt := range tests {
		tx := newFakeTx(tt.req)
		if got := p.inviteCopy(tt.req, tx); got != tt.want {
			t.Errorf("%s: inviteCopy = %v, want %v", tt.name, got, tt.want)
		}
		if finals, _ := tx.counts(); tt.want && (finals != 1 || tx.codes[0] != 481) {
			t.Errorf("%s: answered %v, want one 481", tt.name, tx.codes)
		}
	}
}
