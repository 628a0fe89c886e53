package phone

import (
	"fmt"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/sdp"
)

// TestSDPRefusal: every offer we cannot answer gets one response, whatever carried it: the
// status, the Warning (none for a malformed body) and the refused call's event text.
func TestSDPRefusal(t *testing.T) {
	tests := []struct {
		name    string
		err     error
		code    int
		reason  string
		warning string // the Warning header's value, "" for none
		why     string
	}{
		{"no common codec", sdp.ErrNotAcceptable, 488, "Not Acceptable Here",
			`304 sipterm "no common audio codec (PCMU, PCMA)"`, "488 Not Acceptable Here: no common audio codec (PCMU, PCMA)"},
		{"SRTP required", sdp.ErrSRTPRequired, 488, "Not Acceptable Here (SRTP required)",
			`305 sipterm "SRTP required (media_encryption = srtp): the offer has no usable a=crypto"`,
			"488 Not Acceptable Here (SRTP required): SRTP required (media_encryption = srtp): the offer has no usable a=crypto"},
		{"SRTP not enabled", sdp.ErrSRTPOffered, 488, "Not Acceptable Here (SRTP not enabled)",
			`305 sipterm "SRTP offered, media_encryption is none"`,
			"488 Not Acceptable Here (SRTP not enabled): SRTP offered, media_encryption is none"},
		{"malformed", fmt.Errorf("%w: no m= line", sdp.ErrMalformed), 400, "Bad Request (malformed SDP)", "",
			"Bad Request (malformed SDP)"},
	}
	req := inviteTo(t, sip.INVITE, "sip:alice@127.0.0.1", "192.0.2.1:5060")
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := refusalOf(tt.err)
			res := r.response(req)
			if res.StatusCode != tt.code || res.Reason != tt.reason {
				t.Errorf("response %d %q, want %d %q", res.StatusCode, res.Reason, tt.code, tt.reason)
			}
			warning := ""
			if h := res.GetHeader("Warning"); h != nil {
				warning = h.Value()
			}
			if warning != tt.warning {
				t.Errorf("Warning %q, want %q", warning, tt.warning)
			}
			if r.why() != tt.why {
				t.Errorf("event text %q, want %q", r.why(), tt.why)
			}
		})
	}
}

func TestUnusableAnswer(t *testing.T) {
	p := screenPhone(t, screenInviteConfig)
	c := &Call{p: p, log: p.log}
	code, why := c.unusableAnswer("ACK", fmt.Errorf("%w: no m= line", sdp.ErrMalformed))
	if code != 488 || why != "SDP answer in ACK unusable: malformed SDP: no m= line" {
		t.Errorf("%d %q", code, why)
	}
}
