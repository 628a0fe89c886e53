package ui

import (
	"fmt"
	"strings"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

func TestWrapWords(t *testing.T) {
	tests := []struct {
		text        string
		first, rest int
		want        []string
	}{
		{"a b c", 0, 0, []string{"a b c"}},
		{"", 10, 10, []string{""}},
		{"one two three four", 9, 9, []string{"one two", "three", "four"}},
		{"one two three four", 3, 20, []string{"one", "two three four"}},
		{"abcdefghij k", 4, 4, []string{"abcd", "efgh", "ij k"}},
		{"héllo wörld", 5, 5, []string{"héllo", "wörld"}},
	}
	for _, tt := range tests {
		got := wrapWords(tt.text, tt.first, tt.rest)
		if strings.Join(got, "|") != strings.Join(tt.want, "|") {
			t.Errorf("wrapWords(%q, %d, %d) = %q, want %q", tt.text, tt.first, tt.rest, got, tt.want)
		}
	}
}

// TestReadableAtAnySize: at 80x24 and at 140 columns the end of a long help description and of
// a long Log line are on the screen (wrapped), not cut at the pane's edge.
func TestReadableAtAnySize(t *testing.T) {
	for _, size := range []struct{ w, h int }{{80, 24}, {140, 40}} {
		t.Run(fmt.Sprintf("%dx%d", size.w, size.h), func(t *testing.T) { readableAt(t, size.w, size.h) })
	}
}

func readableAt(t *testing.T, w, ht int) {
	h := start(t, w, ht, Options{}, nil)
	long := strings.Repeat("the notice goes on and on ", 8) + "END-OF-LONG-LINE"
	h.core.publish(phone.EventNotice{Level: "info", Message: long})
	h.waitText("END-OF-LONG-LINE")
	h.key(tcell.KeyRune, '?')
	// the Enter binding's description is long; its last words must be shown
	h.waitFor("the help's long description, wrapped", func(s string) bool {
		return strings.Contains(s, "sipterm keys") && strings.Contains(s, "again redials")
	})
}
