package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestNATKeys(t *testing.T) {
	tests := []struct {
		name, extra string
		keepalive   time.Duration
		stun        string
		errKey      string
		errLine     int
	}{
		{"defaults", "", DefaultKeepalive, "", "", 0},
		{"off", "keepalive = \"0s\"\n", 0, "", "", 0},
		{"two seconds", "keepalive = \"2s\"\n", 2 * time.Second, "", "", 0},
		{"stun with port", "stun_server = \"203.0.113.1:3478\"\n", DefaultKeepalive, "203.0.113.1:3478", "", 0},
		{"stun default port", "stun_server = \"stun.example.org\"\n", DefaultKeepalive, "stun.example.org:3478", "", 0},
		{"bad keepalive", "keepalive = \"often\"\n", 0, "", "accounts[1].keepalive", 3},
		{"keepalive too short", "keepalive = \"100ms\"\n", 0, "", "accounts[1].keepalive", 3},
		{"bad stun port", "stun_server = \"203.0.113.1:99999\"\n", 0, "", "accounts[1].stun_server", 3},
		{"bad stun host", "stun_server = \"a b:3478\"\n", 0, "", "accounts[1].stun_server", 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("nat.toml", []byte("[[accounts]]\naor = \"sip:a@b\"\n"+tt.extra))
			if tt.errKey != "" {
				var ce *Error
				if !errors.As(err, &ce) || ce.Key != tt.errKey || ce.Line != tt.errLine {
					t.Fatalf("error %v: want key %s at line %d", err, tt.errKey, tt.errLine)
				}
				if !strings.HasPrefix(err.Error(), "nat.toml:") {
					t.Fatalf("error %q does not name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			a := cfg.Accounts[0]
			if a.KeepaliveDur != tt.keepalive || a.StunServer != tt.stun {
				t.Fatalf("keepalive %v stun %q, want %v %q", a.KeepaliveDur, a.StunServer, tt.keepalive, tt.stun)
			}
		})
	}
}
