package config

import (
	"errors"
	"strings"
	"testing"
)

func TestOpusKeys(t *testing.T) {
	tests := []struct {
		name, text string
		// a valid file: the values it gives
		complexity *int
		bitrate    int
		// an invalid one: where the error points
		line     int
		key, msg string
	}{
		{name: "unset: default complexity, automatic rate", text: "listen = \"127.0.0.1:5070\"\n"},
		{name: "complexity 0", text: "opus_complexity = 0\n", complexity: ptr(0)},
		{name: "complexity 10, 32 kbit/s", text: "opus_complexity = 10\nopus_bitrate = 32000\n", complexity: ptr(10), bitrate: 32000},
		{name: "complexity too high", text: "\nopus_complexity = 11\n", line: 2, key: "opus_complexity", msg: "out of range"},
		{name: "complexity negative", text: "opus_complexity = -1\n", line: 1, key: "opus_complexity", msg: "out of range"},
		{name: "bitrate too low", text: "\n\nopus_bitrate = 5000\n", line: 3, key: "opus_bitrate", msg: "6000 to 510000"},
		{name: "bitrate too high", text: "opus_bitrate = 600000\n", line: 1, key: "opus_bitrate", msg: "6000 to 510000"},
		{name: "not a number", text: "opus_complexity = \"high\"\n", line: 1, key: "opus_complexity", msg: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("test.toml", []byte(tt.text))
			if tt.key == "" {
				if err != nil {
					t.Fatal(err)
				}
				if (c.OpusComplexity == nil) != (tt.complexity == nil) || (c.OpusComplexity != nil && *c.OpusComplexity != *tt.complexity) {
					t.Errorf("opus_complexity = %v, want %v", c.OpusComplexity, tt.complexity)
				}
				if c.OpusBitrate != tt.bitrate {
					t.Errorf("opus_bitrate = %d, want %d", c.OpusBitrate, tt.bitrate)
				}
				return
			}
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

func ptr(n int) *int { return &n }
