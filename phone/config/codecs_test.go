package config

import (
	"errors"
	"slices"
	"testing"
)

func TestCodecsKey(t *testing.T) {
	tests := []struct {
		name, extra string
		want        []string
		errLine     int
	}{
		{"default", "", DefaultCodecs, 0},
		{"any case, SDP spelling", "codecs = [\"g722\", \"pcma\", \"OPUS\"]\n", []string{"G722", "PCMA", "opus"}, 0},
		{"narrowband only", "codecs = [\"PCMU\"]\n", []string{"PCMU"}, 0},
		{"unknown", "codecs = [\"opus\", \"G729\"]\n", nil, 3},
		{"twice", "codecs = [\"PCMU\", \"pcmu\"]\n", nil, 3},
		{"empty", "codecs = []\n", nil, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("c.toml", []byte("[[accounts]]\naor = \"sip:a@b\"\n"+tt.extra))
			if tt.errLine != 0 {
				var ce *Error
				if !errors.As(err, &ce) || ce.Key != "accounts[1].codecs" || ce.Line != tt.errLine || ce.File != "c.toml" {
					t.Fatalf("error %v: want accounts[1].codecs at c.toml:%d", err, tt.errLine)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := cfg.Accounts[0].Codecs; !slices.Equal(got, tt.want) {
				t.Errorf("codecs %q, want %q", got, tt.want)
			}
		})
	}
}
