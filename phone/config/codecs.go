package config

import (
	"fmt"
	"strings"
)

// DefaultCodecs is the codec preference when an account sets none: wideband first.
var DefaultCodecs = []string{"opus", "G722", "PCMU", "PCMA"}

// knownCodecs maps a codec name in any case to its SDP spelling.
var knownCodecs = map[string]string{"opus": "opus", "g722": "G722", "pcmu": "PCMU", "pcma": "PCMA"}

// validateCodecs checks the codecs list and puts it in SDP spelling (default: DefaultCodecs).
func (a *Account) validateCodecs() *keyError {
	if a.Codecs == nil {
		a.Codecs = append([]string(nil), DefaultCodecs...)
		return nil
	}
	if len(a.Codecs) == 0 {
		return &keyError{"codecs", "is empty: name at least one of opus, G722, PCMU, PCMA"}
	}
	seen := map[string]bool{}
	for i, c := range a.Codecs {
		name, ok := knownCodecs[strings.ToLower(strings.TrimSpace(c))]
		if !ok {
			return &keyError{"codecs", fmt.Sprintf("unknown codec %q (known: opus, G722, PCMU, PCMA)", c)}
		}
		if seen[name] {
			return &keyError{"codecs", fmt.Sprintf("%q is listed twice", c)}
		}
		seen[name] = true
		a.Codecs[i] = name
	}
	return nil
}
