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
		{line: "attended", want: Command{Verb: "attended"}},
		{line: "attended c1", want: Command{Verb: "attended", ID: "c1"}},
		{line: "attended c1 c2", want: Command{Verb: "attended", ID: "c1", Rest: []string{"c2"}}},
		{line: "attended c1 sip:x@y", err: "not a call id"},
		{line: "attended c1 c2 c3", err: "unexpected"},
		{line: "transfer-accept", want: Command{Verb: "transfer-accept"}},
		{line: "transfer-decline c3", want: Command{Verb: "transfer-decline", ID: "c3"}},
		{line: "swap", want: Command{Verb: "swap"}},
		{line: "swap c1", err: "unexpected"},
		{line: "conference", want: Command{Verb: "conference"}},
		{line: "conference c1", want: Command{Verb: "conference", ID: "c1"}},
		{line: "conference c1 c3", want: Command{Verb: "conference", ID: "c1", Rest: []string{"c3"}}},
		{line: "conference c1 x", err: "not a call id"},
		{line: "conf c2", want: Command{Verb: "conference", ID: "c2"}},
		{line: "conference c1 c3 c4", err: "unexpected"},
		{line: "split", want: Command{Verb: "split"}},
		{line: "split c2", want: Command{Verb: "split", ID: "c2"}},
		{line: "split c2 c3", err: "unexpected"},
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
		{line: "policy", want: Command{Verb: "policy", Rest: []string{"list"}}},
		{line: "policy list", want: Command{Verb: "policy", Rest: []string{"list"}}},
		{line: "policy del 2", want: Command{Verb: "policy", Rest: []string{"del", "2"}}},
		{line: "policy move 3 1", want: Command{Verb: "policy", Rest: []string{"move", "3", "1"}}},
		{line: "policy add action=reject match_from=sip:*@spam", want: Command{Verb: "policy", Rest: []string{"add", "action=reject", "match_from=sip:*@spam"}}},
		{line: "policy add at=1 action=auto", want: Command{Verb: "policy", Rest: []string{"add", "at=1", "action=auto"}}},
		{line: "policy add at=0 action=auto", err: "not a rule number"},
		{line: "policy add match_from=x", err: "action"},
		{line: "policy add", err: "KEY=VALUE"},
		{line: "policy del", err: "want 1 rule"},
		{line: "policy del x", err: "not a rule number"},
		{line: "policy move 1", err: "want 2"},
		{line: "policy frob", err: "unknown subcommand"},
		{line: "policy set 2 action=ring", want: Command{Verb: "policy", Rest: []string{"set", "2", "action=ring"}}},
		{line: "policy set 2", err: "want N"},
		{line: "policy set x action=ring", err: "not a rule number"},
		{line: "policy set 1 action=nope", err: "unknown action"},
		{line: "probe sip:bob@x", want: Command{Verb: "probe", Arg: "sip:bob@x"}},
		{line: "probe 100 work", want: Command{Verb: "probe", Arg: "100", Account: "work"}},
		{line: "probe", err: "missing URI"},
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
