package phone

import (
	"testing"

	"github.com/sipterm/sipterm/phone/config"
)

func TestCodecsFor(t *testing.T) {
	tests := []struct {
		name string
		acct *Account
		want string
	}{
		{"no account", nil, "opus G722 PCMU PCMA"},
		{"no list", &Account{cfg: &config.Account{}}, "opus G722 PCMU PCMA"},
		{"account order", &Account{cfg: &config.Account{Codecs: []string{"PCMA", "opus"}}}, "PCMA opus"},
	}
	for _, tt := range tests {
		got := ""
		for i, c := range codecsFor(tt.acct) {
			if i > 0 {
				got += " "
			}
			got += c.Name
		}
		if got != tt.want {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}
