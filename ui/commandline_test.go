package ui

import (
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

// The ':' line speaks the one grammar: dial URI [ACCOUNT], the older ACCOUNT TARGET form, a
// bare target, and table verbs whose replies become log lines.
func TestCommandLineGrammar(t *testing.T) {
	tests := []struct {
		line string
		cmd  string // what the core is asked ("" = nothing; then text is on screen)
		text string
	}{
		{line: "dial sip:bob@x", cmd: "dial |sip:bob@x"},
		{line: "dial 1234 work", cmd: "dial work|1234"},
		{line: "dial work 1234", cmd: "dial work|1234"}, // the older ACCOUNT TARGET form
		{line: "work 1234", cmd: "dial work|1234"},
		{line: "call carol", cmd: "dial |carol"},
		{line: "sip:dave@y", cmd: "dial |sip:dave@y"},
		{line: "calls", text: "calls count=0"},
		{line: "dial", text: "dial: missing URI"},
		{line: "reject c1 99", text: "bad status code"},
		{line: "answer c42", text: "answer: no call c42"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			h := start(t, 100, 30, Options{}, func(c *fakeCore) {
				c.accounts = []phone.AccountInfo{{Name: "work", AOR: "sip:me@example.org", State: phone.RegRegistered}}
			})
			h.waitText("work")
			h.key(tcell.KeyRune, ':')
			h.waitText(":")
			h.typeText(tt.line)
			h.key(tcell.KeyEnter, 0)
			if tt.cmd != "" {
				h.waitCmd(tt.cmd)
			}
			if tt.text != "" {
				h.waitText(tt.text)
			}
		})
	}
}
