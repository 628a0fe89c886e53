package phone

import (
	"context"
	"fmt"
	"net"
	"strings"
	"testing"
	"time"

	"go.uber.org/goleak"
)

// These tests prove the phone's goroutines have owners: after Close (or after Start's context
// ends) nothing the phone, its calls, its tones or sipgo started is left running.

// callsInEveryState starts phones with calls in every state and returns them: a call still
// calling (its INVITE unanswered), one ringing on both sides, one in early media (183, RTP
// flowing) on both sides, one established, one held and one ended; and an account registering (with keep-alives) to a registrar that never answers.
// Tones are on, so ring, ringback and the busy tone's goroutines run too.
func callsInEveryState(t *testing.T) []*testPhone {
	t.Helper()
	tones := Options{Tones: true}
	caller := startPhoneWith(t, "caller", "", tones)
	ringing := startPhoneWith(t, "ringing", "", tones)
	answers := startPhoneWith(t, "answers", "auto_answer = \"0s\"", tones)
	holder := startPhoneWith(t, "holder", "", tones)

	// calling: a socket that swallows the INVITE, so it is retransmitted until Close
	silent, err := net.ListenPacket("udp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { silent.Close() })
	if _, err := caller.Dial("", "sip:nobody@"+silent.LocalAddr().String()); err != nil {
		t.Fatal(err)
	}
	caller.waitCall(t, StateCalling)

	// registering: the REGISTER and the keep-alives go to the silent socket
	registers := startPhoneWith(t, "registers", fmt.Sprintf(
		"[[accounts]]\nname = \"reg\"\naor = \"sip:reg@127.0.0.1\"\nregistrar = \"sip:%s\"\nkeepalive = \"1s\"\n",
		silent.LocalAddr()), Options{})
	registers.wait(t, "registering", func(e Event) bool {
		r, ok := e.(EventRegistration)
		return ok && r.Account.State == RegRegistering
	})

	// ended: answered, then hung up by the callee (its transactions still linger in sipgo)
	if _, err := holder.Dial("", answers.uri); err != nil {
		t.Fatal(err)
	}
	holder.waitCall(t, StateEstablished)
	if err := answers.Hangup(""); err != nil {
		t.Fatal(err)
	}
	holder.waitCall(t, StateTerminated)
	answers.waitCall(t, StateTerminated)
	holder.assertEmpty(t)
	answers.assertEmpty(t)
	holder.seen, answers.seen = nil, nil

	// ringing on both sides: the callee never answers
	if _, err := caller.Dial("", ringing.uri); err != nil {
		t.Fatal(err)
	}
	caller.waitCall(t, StateRinging)
	ringing.waitCall(t, StateIncoming)

	// early on both sides: an answer-policy rule sends 183 with media and never answers
	early := startPhoneWith(t, "early", "[[policy]]\naction = \"early\"\n", tones)
	if _, err := caller.Dial("", early.uri); err != nil {
		t.Fatal(err)
	}
	caller.waitCall(t, StateEarly)
	early.waitCall(t, StateEarly)

	// held: answered, then put on hold by the caller
	if _, err := holder.Dial("", answers.uri); err != nil {
		t.Fatal(err)
	}
	holder.waitCall(t, StateEstablished)
	if err := holder.Hold(""); err != nil {
		t.Fatal(err)
	}
	holder.waitCall(t, StateHeld)
	answers.waitCall(t, StateHeld) // held by the peer

	// established: answered and left so
	if _, err := answers.Dial("", ringing.uri); err != nil {
		t.Fatal(err)
	}
	second := ringing.wait(t, "an incoming call from answers", func(e Event) bool {
		c, ok := e.(EventCall)
		return ok && c.Call.State == StateIncoming && strings.Contains(c.Call.Remote, "answers@")
	}).(EventCall).Call
	if err := ringing.Answer(second.ID); err != nil {
		t.Fatal(err)
	}
	ringing.waitCall(t, StateEstablished)

	states := map[CallState]int{}
	for _, tp := range []*testPhone{caller, ringing, early, answers, holder} {
		for _, c := range tp.Calls() {
			states[c.State]++
		}
	}
	for _, want := range []CallState{StateCalling, StateRinging, StateEarly, StateIncoming, StateEstablished, StateHeld} {
		if states[want] == 0 {
			t.Fatalf("no call %s; calls by state: %v", want, states)
		}
	}
	return []*testPhone{caller, ringing, early, answers, holder, registers}
}

func TestCloseLeavesNoGoroutines(t *testing.T) {
	before := goleak.IgnoreCurrent()
	phones := callsInEveryState(t)
	for i, tp := range phones {
		// the caller's INVITE to the silent socket would wait (for a provisional, to CANCEL
		// it) until its context ends: a short one; the others end their calls at once
		wait := 10 * time.Second
		if i == 0 {
			wait = time.Second
		}
		ctx, cancel := context.WithTimeout(context.Background(), wait)
		defer cancel()
		if err := tp.Close(ctx); err != nil {
			t.Errorf("close %s: %v", tp.uri, err)
		}
		tp.sub.Close()
	}
	for _, tp := range phones {
		if calls := tp.Calls(); len(calls) != 0 {
			t.Errorf("%s: calls left after Close: %+v", tp.uri, calls)
		}
	}
	goleak.VerifyNone(t, before)
}

// TestStartContextEndsThePhone: cancelling Start's context shuts the phone down as Close does:
// its call is hung up (the peer gets a BYE) and its goroutines end.
func TestStartContextEndsThePhone(t *testing.T) {
	before := goleak.IgnoreCurrent()
	peer := startPhone(t, "peer", "auto_answer = \"0s\"")
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	tp := startPhoneCtx(t, ctx, "owner", "", Options{})
	if _, err := tp.Dial("", peer.uri); err != nil {
		t.Fatal(err)
	}
	tp.waitCall(t, StateEstablished)
	peer.waitCall(t, StateEstablished)
	cancel()
	if got := peer.waitCall(t, StateTerminated); got.Reason != "remote BYE" {
		t.Fatalf("peer's call ended with %q, want a BYE", got.Reason)
	}
	select {
	case <-tp.closed:
	case <-time.After(20 * time.Second):
		t.Fatal("the phone did not close when Start's context ended")
	}
	tp.sub.Close()
	closeCtx, done := context.WithTimeout(context.Background(), 20*time.Second)
	defer done()
	if err := peer.Close(closeCtx); err != nil {
		t.Fatal(err)
	}
	peer.sub.Close()
	goleak.VerifyNone(t, before)
}
