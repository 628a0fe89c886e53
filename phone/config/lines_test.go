package config

import (
	"strings"
	"testing"
)

func TestCallWaitingKey(t *testing.T) {
	tests := []struct {
		name, text string
		want       *bool
		err        string
	}{
		{"unset", "", nil, ""},
		{"off", "call_waiting = false\n", new(false), ""},
		{"on", "call_waiting = true\n", new(true), ""},
		{"not a bool", "\ncall_waiting = \"yes\"\n", nil, "t.toml:2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("t.toml", []byte(tt.text+"[[accounts]]\naor = \"sip:a@b\"\n"))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) || !strings.Contains(err.Error(), "call_waiting") {
					t.Fatalf("err = %v, want one naming %s and call_waiting", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if (c.CallWaiting == nil) != (tt.want == nil) || (c.CallWaiting != nil && *c.CallWaiting != *tt.want) {
				t.Fatalf("CallWaiting = %v, want %v", c.CallWaiting, tt.want)
			}
		})
	}
}
