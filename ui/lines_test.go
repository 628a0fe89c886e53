package ui

import (
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

// linesFake is the fake core with swap, conference and split.
type linesFake struct{ *fakeCore }

func (f linesFake) Swap() error { f.rec("swap"); return nil }
func (f linesFake) Conference(a, b string) error {
	f.rec("conference " + a + "|" + b)
	return nil
}
func (f linesFake) Split(id string) error { f.rec("split " + id); return nil }

func TestLinesKeysAndCommands(t *testing.T) {
	var fc *fakeCore
	h := startTuned(t, 100, 24, Options{}, func(c *fakeCore) { fc = c }, func(u *UI) { u.core = linesFake{fc} })
	held := established("c1", "sip:bob@example.org")
	held.State, held.Held = phone.StateHeld, true
	h.core.publish(phone.EventCall{Call: held}, phone.EventCall{Call: established("c2", "sip:carol@example.org")})
	h.waitText("carol")

	h.key(tcell.KeyRune, 'w')
	h.waitCmd("swap")
	h.key(tcell.KeyRune, 'c') // the selected call and the other answered one
	if got := nextCmd(t, h); got != "conference c1|" && got != "conference c2|" {
		t.Errorf("c: core got %q, want conference with the selected call", got)
	}

	conf1, conf2 := established("c1", "sip:bob@example.org"), established("c2", "sip:carol@example.org")
	conf1.Conference, conf2.Conference = []string{"c2"}, []string{"c1"}
	h.core.publish(phone.EventCall{Call: conf1}, phone.EventCall{Call: conf2})
	h.waitText("conf+c1")
	h.key(tcell.KeyRune, 'C')
	if got := nextCmd(t, h); got != "split c1" && got != "split c2" {
		t.Errorf("C: core got %q, want split of the selected call", got)
	}

	for _, tc := range []struct{ line, want string }{
		{"swap", "swap"},
		{"conference c1 c2", "conference c1|c2"},
		{"split c2", "split c2"},
	} {
		h.key(tcell.KeyRune, ':')
		h.typeText(tc.line)
		h.key(tcell.KeyEnter, 0)
		h.waitCmd(tc.want)
	}
}

func nextCmd(t *testing.T, h *harness) string {
	t.Helper()
	select {
	case c := <-h.core.cmds:
		return c
	case <-time.After(waitLimit):
		t.Fatalf("the core got no command; screen:\n%s", h.text())
		return ""
	}
}
