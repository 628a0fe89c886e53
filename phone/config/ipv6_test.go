package config

import (
	"errors"
	"strings"
	"testing"
)

// TestListenIPv6: IPv6 listen addresses are accepted in brackets; a bare one names the file,
// line and key.
func TestListenIPv6(t *testing.T) {
	tests := []struct {
		listen string
		ok     bool
	}{
		{"[::]:5060", true},
		{"[::1]:5150", true},
		{"[2001:db8::5]:5060", true},
		{"0.0.0.0:5060", true},
		{"::1:5060", false},
		{"[::1]", false},
		{"[::1]:port", false},
		{"[fe80::1%eth0]:5060", false},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			text := "# sipterm\nlisten = \"" + tt.listen + "\"\n"
			cfg, err := Parse("v6.toml", []byte(text))
			if tt.ok {
				if err != nil {
					t.Fatalf("listen %q refused: %v", tt.listen, err)
				}
				if cfg.Listen != tt.listen {
					t.Errorf("listen = %q", cfg.Listen)
				}
				return
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("listen %q: want a *config.Error, got %v", tt.listen, err)
			}
			if ce.File != "v6.toml" || ce.Line != 2 || ce.Key != "listen" || !strings.Contains(err.Error(), "[") {
				t.Errorf("error %q: want v6.toml:2 listen and a hint at the IPv6 form", err)
			}
		})
	}
}

// TestParseURIIPv6: sipgo keeps an IPv6 host in its brackets; the brackets are required.
func TestParseURIIPv6(t *testing.T) {
	tests := []struct {
		in, host, out string
		port          int
		ok            bool
	}{
		{in: "sip:bob@[::1]:5152", host: "[::1]", port: 5152, out: "sip:bob@[::1]:5152", ok: true},
		{in: "bob@[2001:db8::1]", host: "[2001:db8::1]", out: "sip:bob@[2001:db8::1]", ok: true},
		{in: "sip:[::1]:5060;transport=tcp", host: "[::1]", port: 5060, out: "sip:[::1]:5060;transport=tcp", ok: true},
		{in: "sip:bob@127.0.0.1:5060", host: "127.0.0.1", port: 5060, out: "sip:bob@127.0.0.1:5060", ok: true},
		{in: "sip:bob@[127.0.0.1]", ok: false},
		{in: "sip:bob@[fe80::1%eth0]", ok: false},
		{in: "sip:bob@[nonsense]", ok: false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			u, err := ParseURI(tt.in)
			if !tt.ok {
				if err == nil {
					t.Fatalf("ParseURI(%q) = %s, want an error", tt.in, u.String())
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if u.Host != tt.host || u.Port != tt.port || u.String() != tt.out {
				t.Errorf("ParseURI(%q): host %q port %d string %q; want %q %d %q", tt.in, u.Host, u.Port, u.String(), tt.host, tt.port, tt.out)
			}
		})
	}
}

// TestAccountIPv6: an account on an IPv6 registrar parses.
func TestAccountIPv6(t *testing.T) {
	text := "listen = \"[::]:5060\"\n[[accounts]]\naor = \"sip:alice@[2001:db8::1]\"\nregistrar = \"sip:[2001:db8::1]:5060\"\n"
	cfg, err := Parse("acct.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if r := cfg.Accounts[0].RegistrarURI; r == nil || r.HostPort() != "[2001:db8::1]:5060" {
		t.Errorf("registrar = %v", r)
	}
}
