package headless

import (
	"strings"
	"testing"
)

func TestParseTimers(t *testing.T) {
	tests := []struct {
		line string
		want Command
		err  string
	}{
		{line: "dnd", want: Command{Verb: "dnd"}},
		{line: "dnd on", want: Command{Verb: "dnd", Arg: "on"}},
		{line: "DND OFF", want: Command{Verb: "dnd", Arg: "off"}},
		{line: "dnd maybe", err: "want on or off"},
		{line: "dnd on now", err: "unexpected"},
		{line: "redirect sip:bob@x", want: Command{Verb: "redirect", Arg: "sip:bob@x"}},
		{line: "redirect c3 bob", want: Command{Verb: "redirect", ID: "c3", Arg: "bob"}},
		{line: "redirect c3", err: "want one URI"},
		{line: "redirect", err: "want one URI"},
		{line: "redirect c3 a b", err: "want one URI"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := Parse(tt.line)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("Parse(%q) error %v, want one containing %q", tt.line, err, tt.err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.line, got, err, tt.want)
			}
		})
	}
}
