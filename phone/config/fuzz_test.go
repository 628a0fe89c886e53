package config

import (
	"errors"
	"testing"
)

// FuzzParse feeds config text to Parse: no input may panic; an error is a *config.Error (or
// several joined) naming where; and a config that parses stays valid and unchanged in its
// limits when validated again without its text (as main does over the flags).
func FuzzParse(f *testing.F) {
	for _, s := range []string{
		DefaultText,
		"listen = \"127.0.0.1:5070\"\nmax_calls = 2\nrate_limit = 0\nmax_setups = 4\n",
		"[[accounts]]\nname = \"a\"\naor = \"sip:a@example.org\"\nregistrar = \"sip:example.org\"\npassword = \"x\"\ntransport = \"tls\"\naccept_from = [\"10.0.0.0/8\"]\naliases = [\"100\"]\ncodecs = [\"PCMU\", \"opus\"]\n",
		"[[policy]]\nmatch_from = \"sip:*@example.org\"\naction = \"auto\"\nafter = \"2s\"\n",
		"[ui]\ntheme = \"mono\"\n",
		"rtp_ports = \"20000-10000\"\n",
		"[[accounts]]\naor = \"sip:a@b\"\nkeepalive = \"-1s\"\n",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		c, err := Parse("fuzz.toml", data)
		if err != nil {
			var ce *Error
			if !errors.As(err, &ce) && err.Error() == "" {
				t.Fatalf("an empty error for %q", data)
			}
			return
		}
		again := *c
		if err := again.Validate(nil); err != nil {
			t.Fatalf("valid config %q is invalid when validated again: %v", data, err)
		}
		if again.RateLimit != c.RateLimit || again.MaxCalls != c.MaxCalls || again.MaxSetups != c.MaxSetups {
			t.Fatalf("validating again changed the limits: %d/%d/%d -> %d/%d/%d",
				c.RateLimit, c.MaxCalls, c.MaxSetups, again.RateLimit, again.MaxCalls, again.MaxSetups)
		}
	})
}
