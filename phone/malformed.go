package phone

import "github.com/emiago/sipgo/sip"

// missingHeader names the first header RFC 3261 §8.1.1 requires of every request that this
// one lacks ("" when it has them all). sipgo's transaction layer needs only Via and CSeq, so a
// request without From, To or Call-ID reaches the handlers, which read all three.
func missingHeader(req *sip.Request) string {
	switch {
	case req.From() == nil:
		return "From"
	case req.To() == nil:
		return "To"
	case req.CallID() == nil:
		return "Call-ID"
	}
	return ""
}

// refuseMalformed answers 400 to a request missing a mandatory header (an ACK gets nothing)
// and says whether it did.
func (p *Phone) refuseMalformed(req *sip.Request, tx sip.ServerTransaction) bool {
	h := missingHeader(req)
	if h == "" {
		return false
	}
	if tx != nil {
		respond(p, req, tx, 400, "Bad Request (no "+h+")")
	}
	return true
}
