package config

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

func TestScreeningKeysErrors(t *testing.T) {
	tests := []struct {
		name, text string
		line       int
		key, msg   string
	}{
		{"bad cidr names the line", "[[accounts]]\naor = \"sip:a@b\"\naccept_from = [\"10.0.0.0/8\", \"10.0.0.300/8\"]\n", 3, "accounts[1].accept_from", "bad CIDR"},
		{"cidr bad prefix length", "[[accounts]]\naor = \"sip:a@b\"\n[[accounts]]\naor = \"sip:c@d\"\naccept_from = [\"192.0.2.0/33\"]\n", 5, "accounts[2].accept_from", "bad CIDR"},
		{"host name is no cidr", "[[accounts]]\naor = \"sip:a@b\"\naccept_from = [\"example.org\"]\n", 3, "accounts[1].accept_from", "bad CIDR"},
		{"alias with a host", "[[accounts]]\naor = \"sip:a@b\"\naliases = [\"100@example.org\"]\n", 3, "accounts[1].aliases", "bare user part"},
		{"bare-address alias on a registered account", "[[accounts]]\naor = \"sip:a@b\"\nregistrar = \"sip:b\"\naliases = [\"\"]\n", 4, "accounts[1].aliases", "direct-IP"},
		{"max_calls negative", "max_calls = -1\n", 1, "max_calls", "out of range"},
		{"rate_limit negative", "\nrate_limit = -5\n", 2, "rate_limit", "out of range"},
		{"max_setups negative", "\n\nmax_setups = -2\n", 3, "max_setups", "out of range"},
		{"max_setups too big", "max_setups = 5000\n", 1, "max_setups", "out of range"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.toml", []byte(tt.text))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *config.Error", err, err)
			}
			if ce.Line != tt.line || ce.Key != tt.key || !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("got %v (line %d key %q), want line %d key %q message with %q", err, ce.Line, ce.Key, tt.line, tt.key, tt.msg)
			}
		})
	}
}

func TestScreeningKeysValid(t *testing.T) {
	tests := []struct {
		name, text     string
		maxCalls, rate int
		nets           []string
		aliases        []string
	}{
		{"defaults", "[[accounts]]\naor = \"sip:a@b\"\n", DefaultMaxCalls, DefaultRateLimit, nil, nil},
		{"rate limit off", "rate_limit = 0\nmax_calls = 2\n[[accounts]]\naor = \"sip:a@b\"\n", 2, 0, nil, nil},
		{"cidrs and single addresses", "[[accounts]]\naor = \"sip:a@b\"\naccept_from = [\"192.0.2.77/24\", \"198.51.100.7\", \"2001:db8::/32\", \"::1\"]\n",
			DefaultMaxCalls, DefaultRateLimit, []string{"192.0.2.0/24", "198.51.100.7/32", "2001:db8::/32", "::1/128"}, nil},
		{"aliases with the bare address", "[[accounts]]\naor = \"sip:a@b\"\naliases = [\"100\", \"\"]\n", DefaultMaxCalls, DefaultRateLimit, nil, []string{"100", ""}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("test.toml", []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			if c.MaxCalls != tt.maxCalls || c.RateLimit != tt.rate {
				t.Errorf("max_calls %d rate_limit %d, want %d %d", c.MaxCalls, c.RateLimit, tt.maxCalls, tt.rate)
			}
			a := c.Accounts[0]
			var got []string
			for _, n := range a.AcceptNets {
				got = append(got, n.String())
			}
			if strings.Join(got, ",") != strings.Join(tt.nets, ",") {
				t.Errorf("accept nets %v, want %v", got, tt.nets)
			}
			if strings.Join(a.Aliases, ",") != strings.Join(tt.aliases, ",") || len(a.Aliases) != len(tt.aliases) {
				t.Errorf("aliases %q, want %q", a.Aliases, tt.aliases)
			}
		})
	}
}

func TestParseCIDRContains(t *testing.T) {
	p, err := ParseCIDR("::ffff:192.0.2.9")
	if err != nil {
		t.Fatal(err)
	}
	if !p.Contains(netip.MustParseAddr("192.0.2.9")) {
		t.Errorf("%v should contain 192.0.2.9 (mapped addresses are unmapped)", p)
	}
}

// TestLimitsRevalidated: main validates the flags again over a copy without the file's text;
// that must keep the file's rate_limit = 0 (off) and max_setups, not restore the defaults.
func TestLimitsRevalidated(t *testing.T) {
	tests := []struct {
		name, text      string
		rate, maxSetups int
	}{
		{"rate limit off stays off", "rate_limit = 0\nmax_setups = 4\n", 0, 4},
		{"defaults stay defaults", "", DefaultRateLimit, DefaultMaxSetups},
		{"explicit values", "rate_limit = 7\nmax_setups = 100\n", 7, 100},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("test.toml", []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			again := *c
			if err := again.Validate(nil); err != nil {
				t.Fatal(err)
			}
			for _, got := range []*Config{c, &again} {
				if got.RateLimit != tt.rate || got.MaxSetups != tt.maxSetups {
					t.Errorf("rate_limit %d max_setups %d, want %d %d", got.RateLimit, got.MaxSetups, tt.rate, tt.maxSetups)
				}
			}
		})
	}
}
