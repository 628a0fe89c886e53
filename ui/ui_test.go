package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

func incoming(id, remote string) phone.CallInfo {
	return phone.CallInfo{ID: id, Account: "alice", Direction: phone.DirIn, Remote: remote,
		State: phone.StateIncoming, Created: fixedNow.Add(-2 * time.Second)}
}

func TestIncomingCallHighlightedAndAnswered(t *testing.T) {
	h := start(t, 80, 24, Options{}, nil)
	h.waitText("no calls")
	h.core.publish(phone.EventCall{Call: incoming("c1", "sip:bob@example.org")})
	s := h.waitText("INCOMING CALL c1 from sip:bob@example.org")
	if !strings.Contains(s, "INCOMING") {
		t.Fatalf("row not marked:\n%s", s)
	}
	// The row is drawn in the ringing style.
	h.waitFor("ringing style", func(string) bool { return h.rowStyled("c1") })
	if h.sim.count() == 0 {
		t.Error("no bell for the incoming call")
	}
	h.key(tcell.KeyRune, 'a')
	h.waitCmd("answer c1")

	est := incoming("c1", "sip:bob@example.org")
	est.State, est.Answered = phone.StateEstablished, fixedNow.Add(-5*time.Second)
	h.core.publish(phone.EventCall{Call: est})
	h.waitFor("established", func(s string) bool {
		return strings.Contains(s, "established") && !strings.Contains(s, "INCOMING CALL")
	})
	h.key(tcell.KeyRune, 'h')
	h.waitCmd("hangup c1")
}

func TestEnterAnswersAndRejects(t *testing.T) {
	h := start(t, 80, 24, Options{}, nil)
	h.core.publish(phone.EventCall{Call: incoming("c1", "sip:bob@example.org")},
		phone.EventCall{Call: incoming("c2", "sip:carol@example.org")})
	h.waitText("carol")
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("answer c1")
	h.key(tcell.KeyRune, 'r')
	h.waitCmd("reject c1 486")
	h.key(tcell.KeyRune, 'R')
	h.waitText("reject c1 with code:")
	h.key(tcell.KeyBackspace2, 0)
	h.key(tcell.KeyBackspace2, 0)
	h.key(tcell.KeyBackspace2, 0)
	h.typeText("603")
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("reject c1 603")
}

func TestDialLineAndHistory(t *testing.T) {
	h := start(t, 80, 24, Options{}, func(c *fakeCore) {
		c.accounts = []phone.AccountInfo{{Name: "alice", AOR: "sip:alice@example.org", State: phone.RegRegistered}}
	})
	h.waitText("alice")
	h.key(tcell.KeyRune, 'd')
	h.waitText("dial:")
	h.typeText("bob")
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("dial |bob")
	h.key(tcell.KeyRune, ':')
	h.typeText("alice sip:carol@example.org")
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("dial alice|sip:carol@example.org")
	// Up recalls the last line, twice the one before.
	h.key(tcell.KeyRune, 'd')
	h.key(tcell.KeyUp, 0)
	h.key(tcell.KeyUp, 0)
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("dial |bob")
	// Esc cancels without dialling.
	h.key(tcell.KeyRune, 'd')
	h.typeText("nobody")
	h.key(tcell.KeyEsc, 0)
	h.waitFor("hint bar back", func(s string) bool { return !strings.Contains(s, "dial:") })
}

func TestHelpListsEveryKey(t *testing.T) {
	h := start(t, 160, 48, Options{}, nil)
	h.waitText("no calls")
	h.key(tcell.KeyRune, '?')
	s := h.waitText("sipterm keys")
	for _, b := range keymap {
		if !strings.Contains(s, b.keyLabel()) {
			t.Errorf("help lacks %q (%s)", b.keyLabel(), b.help)
		}
		if b.label == "" {
			for _, k := range b.keys {
				if !strings.Contains(s, k.name()) {
					t.Errorf("help lacks key %q", k.name())
				}
			}
		}
	}
	h.key(tcell.KeyEsc, 0)
	h.waitText("no calls")
}

func TestHintBarFromKeymap(t *testing.T) {
	h := start(t, 160, 48, Options{}, nil)
	s := h.waitText("quit")
	for _, b := range keymap {
		if b.hint != "" && !strings.Contains(s, b.hintKey()+" "+b.hint) {
			t.Errorf("hint bar lacks %q", b.hintKey()+" "+b.hint)
		}
	}
}

func TestQuitAsksWhenCallsAreLive(t *testing.T) {
	h := start(t, 80, 24, Options{}, nil)
	h.core.publish(phone.EventCall{Call: incoming("c1", "sip:bob@example.org")})
	h.waitText("INCOMING")
	h.key(tcell.KeyRune, 'q')
	h.waitText("Quit? y/n")
	h.key(tcell.KeyRune, 'n')
	h.waitFor("confirm closed", func(s string) bool { return !strings.Contains(s, "Quit? y/n") })
	h.key(tcell.KeyRune, 'q')
	h.waitText("Quit? y/n")
	h.key(tcell.KeyRune, 'y')
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatal(err)
		}
		h.done <- nil // for the cleanup
	case <-time.After(waitLimit):
		t.Fatal("Run did not return after q y")
	}
}

func TestQuitWithoutCalls(t *testing.T) {
	h := start(t, 80, 24, Options{}, nil)
	h.waitText("no calls")
	h.key(tcell.KeyRune, 'q')
	select {
	case <-h.done:
		h.done <- nil
	case <-time.After(waitLimit):
		t.Fatal("Run did not return after q")
	}
}

// rowStyled reports whether the Calls row of id is drawn in the ringing style.
func (h *harness) rowStyled(id string) bool {
	want := h.u.th.ringing(true)
	wfg, wbg, _ := want.Decompose()
	ok := make(chan bool, 1)
	go h.u.app.QueueUpdate(func() {
		cells, w, ht := h.sim.GetContents()
		for y := 0; y < ht; y++ {
			var line strings.Builder
			for x := 0; x < w; x++ {
				line.WriteString(string(cells[y*w+x].Runes))
			}
			if strings.Contains(line.String(), id+" ← in") {
				x := 0
				for ; x < w && string(cells[y*w+x].Runes) != id[:1]; x++ {
				}
				fg, bg, _ := cells[y*w+x].Style.Decompose()
				// the selected row is drawn reversed
				ok <- (fg == wfg && bg == wbg) || (fg == wbg && bg == wfg)
				return
			}
		}
		ok <- false
	})
	select {
	case b := <-ok:
		return b
	case <-time.After(waitLimit):
		return false
	}
}
