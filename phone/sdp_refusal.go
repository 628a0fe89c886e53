package phone

import (
	"errors"
	"fmt"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/sdp"
)

// The one place an SDP we cannot use becomes a SIP answer, a log line and an event: an offer
// (in a new INVITE, a re-INVITE or an UPDATE) gets 488 or 400 with a Warning that says why; an
// answer (in a 200 or an ACK) ends the call with 488 and the parser's reason.

// sdpRefusal is the response to an offer we cannot answer.
type sdpRefusal struct {
	code     int
	reason   string // the status line's reason phrase
	warnCode int    // RFC 3261 §20.43: 304 or 305; 0 with no warning
	warning  string // the Warning's text, "" for none (a malformed body: the 400 says it)
}

// refusalOf maps an sdp.Answer error to its refusal.
func refusalOf(err error) sdpRefusal {
	code, reason, warning := offerRefusal(err)
	r := sdpRefusal{code: code, reason: reason, warning: warning}
	if warning != "" {
		r.warnCode = warnCode(err)
	}
	return r
}

// response is the refusal of req, Warning included.
func (r sdpRefusal) response(req *sip.Request) *sip.Response {
	res := sip.NewResponseFromRequest(req, r.code, r.reason, nil)
	if r.warning != "" {
		res.AppendHeader(sip.NewHeader("Warning", fmt.Sprintf("%d sipterm %q", r.warnCode, r.warning)))
	}
	return res
}

// why is what a refused call's terminated event says: the warning tells more than the phrase.
func (r sdpRefusal) why() string {
	if r.warning == "" {
		return r.reason
	}
	return fmt.Sprintf("%d %s: %s", r.code, r.reason, r.warning)
}

// refuseSDP answers an offer we cannot take (err from sdp.Answer) and logs msg with the code
// and the error.
func (c *Call) refuseSDP(req *sip.Request, tx sip.ServerTransaction, err error, msg string, attrs ...any) sdpRefusal {
	r := refusalOf(err)
	c.log.Warn(msg, append([]any{"code", r.code, "error", err}, attrs...)...)
	c.p.reply(req, tx, r.response(req))
	return r
}

// refuseOffer answers an INVITE whose offer we cannot take and says why in a terminated call
// event (code and reason), so a refused call is never silent.
func (c *Call) refuseOffer(req *sip.Request, tx sip.ServerTransaction, err error) {
	r := c.refuseSDP(req, tx, err, "incoming INVITE refused", "from", c.info.Remote)
	c.finish(r.code, r.why())
}

// unusableAnswer logs an SDP answer we cannot use (in the peer's 200, or in the ACK to our
// offer) and returns how the call ends: 488, where and why.
func (c *Call) unusableAnswer(in string, err error) (code int, why string) {
	c.log.Warn("SDP answer unusable", "in", in, "error", err)
	return 488, fmt.Sprintf("SDP answer in %s unusable: %v", in, err)
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

// warnCode is the Warning code (RFC 3261 §20.43): 305 incompatible media format (the profile),
// 304 media type not available.
func warnCode(err error) int {
	if errors.Is(err, sdp.ErrSRTPRequired) || errors.Is(err, sdp.ErrSRTPOffered) || errors.Is(err, sdp.ErrNoCrypto) {
		return 305
	}
	return 304
}
