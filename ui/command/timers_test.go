package command

import (
	"reflect"
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
		{line: "dnd on", want: Command{Verb: "dnd", Rest: []string{"on"}}},
		{line: "DND OFF", want: Command{Verb: "dnd", Rest: []string{"off"}}},
		{line: "dnd maybe", err: "want on or off"},
		{line: "dnd on now", err: "unexpected"},
		{line: "redirect sip:bob@x", want: Command{Verb: "redirect", Arg: "sip:bob@x"}},
		{line: "forward c3 bob", want: Command{Verb: "redirect", ID: "c3", Arg: "bob"}},
		{line: "redirect", err: "missing URI"},
		{line: "redirect c3 a b", err: "unexpected"},
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
			if err != nil || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Parse(%q) = %+v, %v; want %+v", tt.line, got, err, tt.want)
			}
		})
	}
}

// fakeDND is a core with do-not-disturb only.
type fakeDND struct{ on bool }

func (f *fakeDND) SetDND(on bool) error { f.on = on; return nil }
func (f *fakeDND) DND() bool            { return f.on }

func TestRunDND(t *testing.T) {
	core := &fakeDND{}
	var replies []map[string]any
	env := Env{Core: core, Reply: func(o map[string]any) { replies = append(replies, o) }}
	for _, line := range []string{"dnd on", "dnd"} {
		c, err := Parse(line)
		if err != nil {
			t.Fatal(err)
		}
		if err := Run(env, c); err != nil {
			t.Fatalf("%s: %v", line, err)
		}
	}
	if !core.on || len(replies) != 1 || replies[0]["on"] != true {
		t.Errorf("dnd on then dnd: core on=%v, replies %v; want on and one reply {on:true}", core.on, replies)
	}
	c, _ := Parse("redirect sip:x@y")
	if err := Run(env, c); err == nil || !strings.Contains(err.Error(), "not available") {
		t.Errorf("redirect on a core without it: %v, want not available", err)
	}
}
