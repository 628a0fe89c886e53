package phone

import (
	"errors"
	"fmt"

	"github.com/emiago/sipgo/sip"

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

// offerRefusal is the response to an offer we cannot answer, with a reason that says why: a
// policy on SRTP is not "no common codec".
func offerRefusal(err error) (code int, reason, warning string) {
	switch {
	case errors.Is(err, sdp.ErrMalformed):
		return 400, "Bad Request (malformed SDP)", ""
	case errors.Is(err, sdp.ErrSRTPRequired):
		return 488, "Not Acceptable Here (SRTP required)", "SRTP required (media_encryption = srtp): the offer has no usable a=crypto"
	case errors.Is(err, sdp.ErrSRTPOffered):
		return 488, "Not Acceptable Here (SRTP not enabled)", "SRTP offered, media_encryption is none"
	case errors.Is(err, sdp.ErrNoCrypto):
		return 488, "Not Acceptable Here (SRTP required)", "SRTP required: no usable a=crypto"
	}
	msg := "no common audio codec (PCMU, PCMA)"
	if err != nil && err != sdp.ErrNotAcceptable { //nolint:errorlint // the bare sentinel is the codec case
		msg = err.Error() // e.g. an RTP/SAVP offer without an SDES key
	}
	return 488, "Not Acceptable Here", msg
}

// refuseOffer answers an INVITE whose offer we cannot take and says why in a terminated call
// event (code and reason), so a refused call is never silent.
func (c *Call) refuseOffer(req *sip.Request, tx sip.ServerTransaction, err error) {
	code, reason, warning := offerRefusal(err)
	c.log.Warn("incoming INVITE refused", "code", code, "error", err, "from", c.info.Remote)
	res := sip.NewResponseFromRequest(req, code, reason, nil)
	if warning != "" {
		res.AppendHeader(sip.NewHeader("Warning", fmt.Sprintf("%d sipterm %q", warnCode(err), warning)))
	}
	c.p.reply(req, tx, res)
	why := reason
	if warning != "" {
		why = fmt.Sprintf("%d %s: %s", code, reason, warning)
	}
	c.finish(code, why)
}

// warnCode is the Warning code (RFC 3261 §20.43): 305 incompatible media format (the profile),
// 304 media type not available.
func warnCode(err error) int {
	if errors.Is(err, sdp.ErrSRTPRequired) || errors.Is(err, sdp.ErrSRTPOffered) || errors.Is(err, sdp.ErrNoCrypto) {
		return 305
	}
	return 304
}

// srtpHint explains a 488 (or 415/606) to our offer when we offered RTP/SAVP only: the peer most
// likely does not do SRTP, which its reason phrase rarely says.
func (c *Call) srtpHint(code int) string {
	if c.local.Encryption != sdp.EncSRTP || (code != 488 && code != 415 && code != 606) {
		return ""
	}
	return " (we offered SRTP only, media_encryption = srtp: the peer may not support SRTP)"
}
