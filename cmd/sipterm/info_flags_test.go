package main

import (
	"bytes"
	"strings"
	"testing"

	"github.com/sipterm/sipterm/assets"
	"github.com/sipterm/sipterm/docs"
)

// TestInfoFlags: the flags that print something and exit print exactly the embedded files and
// the build's version, and exit 0 without starting a phone.
func TestInfoFlags(t *testing.T) {
	tests := []struct {
		flag string
		want func(out string) bool
	}{
		{"--print-config", func(out string) bool { return out == assets.ConfigTemplate }},
		{"--help-protocol", func(out string) bool { return out == docs.Protocol && strings.Contains(out, "`dial URI [ACCOUNT]`") }},
		{"--version", func(out string) bool { return strings.HasPrefix(out, "sipterm ") && strings.Contains(out, "go1.") }},
	}
	for _, tt := range tests {
		t.Run(tt.flag, func(t *testing.T) {
			var stdout, stderr bytes.Buffer
			if code := run([]string{tt.flag}, strings.NewReader(""), &stdout, &stderr); code != 0 {
				t.Fatalf("exit %d, stderr %q", code, stderr.String())
			}
			if !tt.want(stdout.String()) {
				t.Errorf("%s printed %q", tt.flag, truncate(stdout.String(), 200))
			}
		})
	}
}

func truncate(s string, n int) string {
	if len(s) > n {
		return s[:n] + "..."
	}
	return s
}
