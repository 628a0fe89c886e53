package config

import (
	"net/netip"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestParsePolicy(t *testing.T) {
	tests := []struct {
		words []string
		want  Policy
		err   string
	}{
		{words: []string{"action=reject", "match_from=sip:*@spam.example"}, want: Policy{Action: "reject", MatchFrom: "sip:*@spam.example", Code: 603}},
		{words: []string{"action=redirect", "target=sip:vm@x"}, want: Policy{Action: "redirect", Target: "sip:vm@x", Code: 302}},
		{words: []string{"action=auto", "after=2s", "match_user=100"}, want: Policy{Action: "auto", After: "2s", MatchUser: "100"}},
		{words: []string{"action=ring", "match_source=192.0.2.0/24"}, want: Policy{Action: "ring", MatchSource: "192.0.2.0/24"}},
		{words: []string{"action=reject", "code=486"}, want: Policy{Action: "reject", Code: 486}},
		{words: []string{"match_from=x"}, err: "action: every rule needs an action"},
		{words: []string{"action=dance"}, err: "unknown action"},
		{words: []string{"action=redirect"}, err: "target"},
		{words: []string{"action=reject", "code=200"}, err: "400..699"},
		{words: []string{"action=auto", "code=486"}, err: "code is for reject and redirect"},
		{words: []string{"action=play"}, err: "play needs a WAV"},
		{words: []string{"action=play", "file=/nonexistent.wav"}, err: "file"},
		{words: []string{"action=ring", "match_source=nope"}, err: "match_source"},
		{words: []string{"action=ring", "match_from=[x"}, err: "bad pattern"},
		{words: []string{"action=ring", "after=forever"}, err: "after"},
		{words: []string{"action"}, err: "KEY=VALUE"},
		{words: []string{"colour=red"}, err: "unknown key"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.words, " "), func(t *testing.T) {
			got, err := ParsePolicy(tt.words)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v, want %q", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got.SourceNet, got.AfterDur = netip.Prefix{}, 0
			if got != tt.want {
				t.Fatalf("got %+v, want %+v", got, tt.want)
			}
			back, err := ParsePolicy(got.Words())
			if err != nil || back.Action != got.Action || back.Code != got.Code {
				t.Fatalf("Words %v does not parse back: %+v %v", got.Words(), back, err)
			}
		})
	}
}

func TestPolicyMatches(t *testing.T) {
	src := netip.MustParseAddr("192.0.2.7")
	tests := []struct {
		rule Policy
		from string
		user string
		want bool
	}{
		{Policy{}, "sip:a@b", "me", true},
		{Policy{MatchFrom: "sip:*@spam.example"}, "sip:x@SPAM.example", "me", true},
		{Policy{MatchFrom: "sip:*@spam.example"}, "sip:x@ham.example", "me", false},
		{Policy{MatchFrom: "boss"}, "sip:boss@corp", "me", true}, // the user part alone
		{Policy{MatchUser: "1??"}, "sip:a@b", "100", true},
		{Policy{MatchUser: "1??"}, "sip:a@b", "me", false},
		{Policy{MatchSource: "192.0.2.0/24"}, "sip:a@b", "me", true},
		{Policy{MatchSource: "198.51.100.0/24"}, "sip:a@b", "me", false},
	}
	for _, tt := range tests {
		if k, msg := (&tt.rule).validateMatchOnly(); k != "" {
			t.Fatal(msg)
		}
		user := tt.from[strings.Index(tt.from, ":")+1 : strings.Index(tt.from, "@")]
		if got := tt.rule.Matches(tt.from, user, tt.user, src); got != tt.want {
			t.Errorf("%+v on from=%s user=%s: %v, want %v", tt.rule, tt.from, tt.user, got, tt.want)
		}
	}
}

// validateMatchOnly fills SourceNet for a rule without an action (tests of Matches).
func (r *Policy) validateMatchOnly() (string, string) {
	r.Action = "ring"
	return r.Validate()
}

func TestReplacePolicies(t *testing.T) {
	rules := []Policy{{MatchFrom: "sip:*@spam", Action: "reject", Code: 603}, {MatchUser: "100", Action: "auto"}}
	tests := []struct {
		name, in, want string
	}{
		{"no policy yet", "# mine\nlisten = \"127.0.0.1:5060\"\n\n[[accounts]]\naor = \"sip:a@b\"\n",
			"# mine\nlisten = \"127.0.0.1:5060\"\n\n[[accounts]]\naor = \"sip:a@b\"\n\n[[policy]]\nmatch_from = \"sip:*@spam\"\naction = \"reject\"\ncode = 603\n\n[[policy]]\nmatch_user = \"100\"\naction = \"auto\"\n"},
		{"replaced in place, comments around kept", "listen = \"127.0.0.1:5060\"\n# the rules\n[[policy]]\naction = \"ring\"\n\n# accounts next\n[[accounts]]\naor = \"sip:a@b\" # me\n",
			"listen = \"127.0.0.1:5060\"\n# the rules\n[[policy]]\nmatch_from = \"sip:*@spam\"\naction = \"reject\"\ncode = 603\n\n[[policy]]\nmatch_user = \"100\"\naction = \"auto\"\n\n# accounts next\n[[accounts]]\naor = \"sip:a@b\" # me\n"},
		{"empty file", "", "[[policy]]\nmatch_from = \"sip:*@spam\"\naction = \"reject\"\ncode = 603\n\n[[policy]]\nmatch_user = \"100\"\naction = \"auto\"\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := ReplacePolicies(tt.in, rules)
			if got != tt.want {
				t.Fatalf("got\n%s\nwant\n%s", got, tt.want)
			}
			cfg, err := Parse("x.toml", []byte(got))
			if err != nil {
				t.Fatalf("the rewritten file does not load: %v", err)
			}
			if len(cfg.Policies) != 2 || cfg.Policies[0].Code != 603 || cfg.Policies[1].MatchUser != "100" {
				t.Fatalf("reloaded %+v", cfg.Policies)
			}
			if again := ReplacePolicies(got, rules); again != got {
				t.Fatalf("not stable:\n%s", again)
			}
		})
	}
	if got := ReplacePolicies("a = 1\n[[policy]]\naction = \"ring\"\n", nil); got != "a = 1\n" {
		t.Fatalf("deleting every rule: %q", got)
	}
}

func TestSavePoliciesKeepsMode(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("# keep me\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := SavePolicies(path, []Policy{{Action: "ring"}}); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if !strings.HasPrefix(string(b), "# keep me\n") || !strings.Contains(string(b), "[[policy]]") || fi.Mode().Perm() != 0o640 {
		t.Fatalf("saved %q mode %v", b, fi.Mode())
	}
}

func TestPolicyErrorNamesLine(t *testing.T) {
	_, err := Parse("c.toml", []byte("[[policy]]\naction = \"ring\"\n\n[[policy]]\naction = \"dance\"\n"))
	if err == nil || !strings.Contains(err.Error(), "c.toml:5") || !strings.Contains(err.Error(), "policy[2].action") {
		t.Fatalf("err = %v, want c.toml:5 and policy[2].action", err)
	}
}
