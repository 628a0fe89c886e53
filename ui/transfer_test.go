package ui

import (
	"fmt"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

func (f *fakeCore) Transfer(id, target string) error {
	f.rec("transfer " + id + " " + target)
	return nil
}
func (f *fakeCore) Attended(id, id2 string) error { f.rec("attended " + id + " " + id2); return nil }
func (f *fakeCore) AnswerTransfer(id string, accept bool) error {
	f.rec(fmt.Sprintf("answer-transfer %s %v", id, accept))
	return nil
}

func TestTransferKeys(t *testing.T) {
	h := start(t, 100, 24, Options{}, nil)
	h.core.publish(phone.EventCall{Call: established("c1", "sip:bob@example.org")})
	h.waitText("established")

	// t: blind transfer of the selected call to a typed target
	h.key(tcell.KeyRune, 't')
	h.waitText("transfer c1 to:")
	h.typeText("carol")
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("transfer c1 carol")
	h.core.publish(phone.EventTransfer{ID: "c1", Direction: "out", State: "failed", Code: 486, Target: "sip:carol@example.org"})
	h.waitText("failed (486)")

	// T with one call: hold it and open the line for the consultation call
	h.key(tcell.KeyRune, 'T')
	h.waitCmd("hold c1")
	h.waitText("consult:")
	h.typeText("dave")
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("dial |dave")
	held := established("c1", "sip:bob@example.org")
	held.State, held.Held = phone.StateHeld, true
	h.core.publish(phone.EventCall{Call: held}, phone.EventCall{Call: established("c101", "sip:dave@example.org")})
	h.waitText("dave@")
	// T again: the held call goes to the consultation call's peer
	h.key(tcell.KeyRune, 'T')
	h.waitCmd("attended c1 c101")
}

func TestTransferAskedAndCommands(t *testing.T) {
	h := start(t, 100, 24, Options{}, nil)
	h.core.publish(phone.EventCall{Call: established("c1", "sip:bob@example.org")})
	h.waitText("established")
	for _, tc := range []struct {
		answer string
		want   string
	}{
		{"y", "answer-transfer c1 true"},
		{"n", "answer-transfer c1 false"},
	} {
		h.core.publish(phone.EventTransfer{ID: "c1", Direction: "in", State: "asked", Target: "sip:carol@example.org"})
		h.waitText("Accept? y/n")
		h.typeText(tc.answer)
		h.key(tcell.KeyEnter, 0)
		h.waitCmd(tc.want)
	}
	for _, tc := range []struct{ line, want string }{
		{"transfer c1 sip:eve@example.org", "transfer c1 sip:eve@example.org"},
		{"attended c1 c2", "attended c1 c2"},
		{"transfer-accept c1", "answer-transfer c1 true"},
		{"transfer-decline", "answer-transfer c1 false"},
	} {
		h.key(tcell.KeyRune, ':')
		h.typeText(tc.line)
		h.key(tcell.KeyEnter, 0)
		h.waitCmd(tc.want)
	}
}
