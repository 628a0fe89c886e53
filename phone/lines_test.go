package phone

import (
	"slices"
	"strings"
	"testing"
)

// callEvent waits for a call event of call id that satisfies ok.
func (tp *testPhone) callEvent(t *testing.T, what, id string, ok func(CallInfo) bool) CallInfo {
	t.Helper()
	e := tp.wait(t, what, func(e Event) bool {
		c, is := e.(EventCall)
		return is && c.Call.ID == id && ok(c.Call)
	})
	return e.(EventCall).Call
}

func (tp *testPhone) forget() {
	tp.mu.Lock()
	tp.seen = nil
	tp.mu.Unlock()
}

// TestLines: alice in a call with bob dials carol (bob is held first), swaps back, joins both
// into a conference, splits it, joins again, and a leg's hangup dissolves the conference.
func TestLines(t *testing.T) {
	alice := startPhone(t, "alice", "")
	bob := startPhone(t, "bob", `auto_answer = "0s"`)
	carol := startPhone(t, "carol", `auto_answer = "0s"`)
	c1, err := alice.Dial("", bob.uri)
	if err != nil {
		t.Fatal(err)
	}
	alice.callEvent(t, "c1 established", c1, func(c CallInfo) bool { return c.State == StateEstablished })

	t.Log("dialing holds the call we are in first")
	c2, err := alice.Dial("", carol.uri)
	if err != nil {
		t.Fatal(err)
	}
	alice.callEvent(t, "c1 held", c1, func(c CallInfo) bool { return c.State == StateHeld && c.Held })
	bob.wait(t, "bob held", func(e Event) bool { c, ok := e.(EventCall); return ok && c.Call.RemoteHeld })
	alice.callEvent(t, "c2 established", c2, func(c CallInfo) bool { return c.State == StateEstablished })

	t.Log("swap")
	alice.forget()
	if err := alice.Swap(); err != nil {
		t.Fatal(err)
	}
	alice.callEvent(t, "c2 held", c2, func(c CallInfo) bool { return c.State == StateHeld && c.Held })
	alice.callEvent(t, "c1 resumed", c1, func(c CallInfo) bool { return c.State == StateEstablished && !c.Held })

	t.Log("conference errors")
	for _, tt := range []struct {
		name, a, b, want string
	}{
		{"same call twice", c1, c1, "twice"},
		{"unknown call", c1, "c99", "no call c99"},
	} {
		if err := alice.Conference(tt.a, tt.b); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, err, tt.want)
		}
	}
	if err := alice.Split(""); err == nil || !strings.Contains(err.Error(), "no conference") {
		t.Errorf("split without a conference: err = %v", err)
	}

	t.Log("conference: both resumed, each shows the other")
	alice.forget()
	if err := alice.Conference("", ""); err != nil {
		t.Fatal(err)
	}
	alice.callEvent(t, "c2 in the conference, resumed", c2, func(c CallInfo) bool {
		return c.State == StateEstablished && slices.Equal(c.Conference, []string{c1})
	})
	alice.callEvent(t, "c1 in the conference", c1, func(c CallInfo) bool { return slices.Equal(c.Conference, []string{c2}) })
	if err := alice.Conference(c1, c2); err == nil || !strings.Contains(err.Error(), "already in one conference") {
		t.Errorf("conference again: err = %v", err)
	}

	t.Log("split: c1 stays, c2 is held")
	alice.forget()
	if err := alice.Split(c1); err != nil {
		t.Fatal(err)
	}
	alice.callEvent(t, "c2 held after split", c2, func(c CallInfo) bool { return c.State == StateHeld && len(c.Conference) == 0 })
	for _, c := range alice.Calls() {
		if len(c.Conference) != 0 {
			t.Errorf("after split %s still shows a conference: %v", c.ID, c.Conference)
		}
	}

	t.Log("a leg that hangs up dissolves the conference")
	alice.forget()
	if err := alice.Conference(c1, c2); err != nil {
		t.Fatal(err)
	}
	alice.callEvent(t, "c1 in the conference again", c1, func(c CallInfo) bool { return len(c.Conference) == 1 })
	alice.forget()
	if err := carol.Hangup(""); err != nil {
		t.Fatal(err)
	}
	alice.callEvent(t, "c2 ended", c2, func(c CallInfo) bool { return c.State == StateTerminated })
	alice.callEvent(t, "c1 alone again", c1, func(c CallInfo) bool { return c.State == StateEstablished && len(c.Conference) == 0 })
	if err := alice.Hangup(c1); err != nil {
		t.Fatal(err)
	}
	alice.callEvent(t, "c1 ended", c1, func(c CallInfo) bool { return c.State == StateTerminated })
	alice.assertEmpty(t)
	bob.assertEmpty(t)
	carol.assertEmpty(t)
}

// TestLinesSideBySide: with call_waiting = false a second call holds nothing.
func TestLinesSideBySide(t *testing.T) {
	alice := startPhone(t, "alice", "call_waiting = false")
	bob := startPhone(t, "bob", `auto_answer = "0s"`)
	carol := startPhone(t, "carol", `auto_answer = "0s"`)
	c1, err := alice.Dial("", bob.uri)
	if err != nil {
		t.Fatal(err)
	}
	alice.callEvent(t, "c1 established", c1, func(c CallInfo) bool { return c.State == StateEstablished })
	c2, err := alice.Dial("", carol.uri)
	if err != nil {
		t.Fatal(err)
	}
	alice.callEvent(t, "c2 established", c2, func(c CallInfo) bool { return c.State == StateEstablished })
	for _, c := range alice.Calls() {
		if c.State != StateEstablished || c.Held {
			t.Errorf("call %s: %s held=%v, want both established side by side", c.ID, c.State, c.Held)
		}
	}
	alice.Hangup(c1)
	alice.Hangup(c2)
	alice.assertEmpty(t)
}
