package phone

import (
	"errors"
	"fmt"
	"testing"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

func TestByeCrossed(t *testing.T) {
	res := func(code int) *sip.Response {
		req := sip.NewRequest(sip.BYE, sip.Uri{Scheme: "sip", User: "a", Host: "127.0.0.1"})
		return sip.NewResponseFromRequest(req, code, "x", nil)
	}
	for _, tc := range []struct {
		name string
		err  error
		want bool
	}{
		{"no error", nil, false},
		{"481: the peer's BYE came first", sipgo.ErrDialogResponse{Res: res(481)}, true},
		{"481 wrapped", fmt.Errorf("hangup: %w", sipgo.ErrDialogResponse{Res: res(481)}), true},
		{"408 is a failure", sipgo.ErrDialogResponse{Res: res(408)}, false},
		{"no response", sipgo.ErrDialogResponse{}, false},
		{"transport error", errors.New("connection refused"), false},
	} {
		if got := byeCrossed(tc.err); got != tc.want {
			t.Errorf("%s: byeCrossed = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestSupportedNamesReplaces(t *testing.T) {
	req := sip.NewRequest(sip.OPTIONS, sip.Uri{Scheme: "sip", User: "a", Host: "127.0.0.1"})
	req.AppendHeader(sip.NewHeader("Supported", supportedValue))
	for _, tag := range []string{tag100rel, tagTimer, tagReplaces} {
		if !hasOption(req, "Supported", tag) {
			t.Errorf("Supported %q lacks %s", supportedValue, tag)
		}
	}
}
