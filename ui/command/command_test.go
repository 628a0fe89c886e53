package command

import (
	"reflect"
	"strings"
	"testing"
)

func TestParse(t *testing.T) {
	tests := []struct {
		line string
		want Command
		err  string
	}{
		{line: "", want: Command{}},
		{line: "   # a comment", want: Command{}},
		{line: "dial sip:bob@127.0.0.1:5062", want: Command{Verb: "dial", Arg: "sip:bob@127.0.0.1:5062"}},
		{line: "dial 1234 alice", want: Command{Verb: "dial", Arg: "1234", Account: "alice"}},
		{line: "dial", err: "missing URI"},
		{line: "answer", want: Command{Verb: "answer"}},
		{line: "ANSWER c12", want: Command{Verb: "answer", ID: "c12"}},
		{line: "answer c1 now", err: "unexpected"},
		{line: "reject", want: Command{Verb: "reject"}},
		{line: "reject c2 603", want: Command{Verb: "reject", ID: "c2", Code: 603}},
		{line: "reject 480", want: Command{Verb: "reject", Code: 480}},
		{line: "reject c2 200", err: "bad status code"},
		{line: "reject c2 busy", err: "bad status code"},
		{line: "hangup c3", want: Command{Verb: "hangup", ID: "c3"}},
		{line: "hold", want: Command{Verb: "hold"}},
		{line: "resume c1", want: Command{Verb: "resume", ID: "c1"}},
		{line: "mute", want: Command{Verb: "mute"}},
		{line: "dtmf 15#", want: Command{Verb: "dtmf", Arg: "15#"}},
		{line: "dtmf c4 *9a", want: Command{Verb: "dtmf", ID: "c4", Arg: "*9A"}},
		{line: "dtmf C", want: Command{Verb: "dtmf", Arg: "C"}},
		{line: "dtmf c1", err: "missing DIGITS"},
		{line: "dtmf 12x", err: "not a DTMF digit"},
		{line: "transfer sip:carol@x", want: Command{Verb: "transfer", Arg: "sip:carol@x"}},
		{line: "transfer c1 sip:carol@x", want: Command{Verb: "transfer", ID: "c1", Arg: "sip:carol@x"}},
		{line: "transfer c1", err: "missing URI"},
		{line: "export", want: Command{Verb: "export"}},
		{line: "export c2 /tmp/caps", want: Command{Verb: "export", ID: "c2", Rest: []string{"/tmp/caps"}}},
		{line: "export c2 /tmp/a /tmp/b", err: "unexpected"},
		{line: "calls", want: Command{Verb: "calls"}},
		{line: "accounts", want: Command{Verb: "accounts"}},
		{line: "quit", want: Command{Verb: "quit"}},
		{line: "exit", want: Command{Verb: "quit"}},
		{line: "debug", want: Command{Verb: "debug"}},
		{line: "frobnicate", err: "unknown command"},
		{line: "call sip:a@b", want: Command{Verb: "dial", Arg: "sip:a@b"}},
		{line: "dial 1234 alice extra", err: "unexpected"},
		{line: "h", want: Command{Verb: "hangup"}},
		{line: "bye c9", want: Command{Verb: "hangup", ID: "c9"}},
		{line: "a", want: Command{Verb: "answer"}},
		{line: "q", want: Command{Verb: "quit"}},
		{line: "unmute c2", want: Command{Verb: "mute", ID: "c2"}},
		{line: "help", want: Command{Verb: "help"}},
		{line: "@7 dial sip:a@b", want: Command{Verb: "dial", Arg: "sip:a@b", Req: "7"}},
		{line: "@x1", want: Command{Req: "x1"}},
		{line: "@x1 nope", err: "unknown command"},
		{line: "@ answer", err: "unknown command"},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			got, err := Parse(tt.line)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want one containing %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"dial sip:a@b", "answer c1", "reject c2 486", "dtmf c1 123#", "transfer c1 sip:x@y", "quit", "", "\x00\xff", "reject c1 99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, line string) {
		cmd, err := Parse(line)
		if err != nil {
			if !reflect.DeepEqual(cmd, Command{Req: cmd.Req}) {
				t.Fatalf("error %v with a non-zero command %+v", err, cmd)
			}
			return
		}
		if cmd.ID != "" && !callIDRe.MatchString(cmd.ID) {
			t.Fatalf("bad id %q", cmd.ID)
		}
		if cmd.Code != 0 && (cmd.Code < 300 || cmd.Code > 699) {
			t.Fatalf("bad code %d", cmd.Code)
		}
		if cmd.Verb == "dtmf" && strings.Trim(cmd.Arg, "0123456789*#ABCD") != "" {
			t.Fatalf("bad digits %q", cmd.Arg)
		}
	})
}
