package ui

import (
	"fmt"

	"github.com/sipterm/sipterm/phone"
)

// srtpMark follows the codec in the call row and line: a person sees at a glance that the
// media is encrypted. Plain RTP shows nothing (it is the common case).
func srtpMark(ci phone.CallInfo) string {
	if ci.Encryption == "srtp" {
		return " SRTP"
	}
	return ""
}

// encryptionDetail is the call detail's media encryption: suite and authentication failures.
func encryptionDetail(ci phone.CallInfo) string {
	switch ci.Encryption {
	case "srtp":
		s := "media encrypted: SRTP " + ci.SRTPSuite
		if n := ci.Stats.AuthFailures; n > 0 {
			s += fmt.Sprintf(", %d packets failed authentication", n)
		}
		return s
	case "none":
		return "media not encrypted (RTP)"
	}
	return ""
}
