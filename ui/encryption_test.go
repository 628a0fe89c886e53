package ui

import (
	"testing"

	"github.com/sipterm/sipterm/phone"
)

// TestCallShowsEncryption: an SRTP call says so in its row and line, and the detail shows the
// suite and the authentication failures; a plain call's detail says it is unencrypted.
func TestCallShowsEncryption(t *testing.T) {
	h := start(t, 160, 48, Options{}, nil)
	c := established("c1", "sip:bob@example.org")
	c.Codec, c.MediaLocal, c.MediaRemote = "PCMU", "127.0.0.1:11000", "192.0.2.10:12000"
	c.Encryption, c.SRTPSuite = "srtp", "AES_CM_128_HMAC_SHA1_80"
	h.core.publish(
		phone.EventCall{Call: c},
		phone.EventMedia{ID: "c1", Codec: "PCMU", Local: c.MediaLocal, Remote: c.MediaRemote, Direction: "sendrecv",
			Encryption: "srtp", SRTPSuite: "AES_CM_128_HMAC_SHA1_80"},
		phone.EventStats{ID: "c1", Stats: phone.MediaStats{PacketsSent: 100, PacketsReceived: 90, MOS: 4.3, AuthFailures: 3}},
	)
	h.waitText("PCMU SRTP")
	h.waitText("media encrypted: SRTP AES_CM_128_HMAC_SHA1_80, 3 packets failed authentication")

	p := established("c1", "sip:bob@example.org")
	p.Codec, p.MediaLocal, p.MediaRemote = "PCMU", "127.0.0.1:11000", "192.0.2.10:12000"
	h.core.publish(
		phone.EventCall{Call: p},
		phone.EventMedia{ID: "c1", Codec: "PCMU", Local: p.MediaLocal, Remote: p.MediaRemote, Direction: "sendrecv", Encryption: "none"},
	)
	h.waitText("media not encrypted (RTP)")
}
