package phone

import (
	"github.com/sipterm/sipterm/phone/media"
	"github.com/sipterm/sipterm/phone/sdp"
)

// encryptionFor is an account's media_encryption policy and, unless it is "none", the SDES
// lines (fresh keys) a call offers; the same keys serve every re-offer of the call.
func encryptionFor(a *Account) (string, []sdp.Crypto) {
	enc := a.cfg.MediaEncryption
	if enc == "" || enc == sdp.EncNone {
		return sdp.EncNone, nil
	}
	return enc, sdp.NewCryptos()
}

func srtpParams(k *sdp.SRTP) *media.SRTP {
	if k == nil {
		return nil
	}
	return &media.SRTP{Suite: k.Suite, LocalKey: k.LocalKey, RemoteKey: k.RemoteKey}
}

// encryptionOf names a negotiation's media encryption for CallInfo and the media event.
func encryptionOf(n sdp.Negotiated) (enc, suite string) {
	if n.SRTP == nil {
		return "none", ""
	}
	return "srtp", n.SRTP.Suite
}

// srtpHint explains a 488 (or 415/606) to our offer when we offered RTP/SAVP only: the peer most
// likely does not do SRTP, which its reason phrase rarely says.
func (c *Call) srtpHint(code int) string {
	if c.local.Encryption != sdp.EncSRTP || (code != 488 && code != 415 && code != 606) {
		return ""
	}
	return " (we offered SRTP only, media_encryption = srtp: the peer may not support SRTP)"
}
