package phone

import (
	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/sdp"
)

// onUpdate takes an UPDATE (RFC 3311) in a call, early or established: an SDP offer is
// answered in the 200 and applied; without SDP it is a 200 (a session refresh, RFC 4028).
func (p *Phone) onUpdate(req *sip.Request, tx sip.ServerTransaction) {
	c := p.liveCallBySIP(req) // 481 once our BYE is out (ended.go)
	if c == nil || c.State() == StateTerminated {
		respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	if p.refuseUnsupported(req, tx) || p.refuseShortSession(req, tx, c.acct) {
		return
	}
	c.mu.Lock()
	dlg := c.dialog()
	answered := !c.info.Answered.IsZero()
	dir := c.info.Direction
	c.mu.Unlock()
	if dlg == nil {
		respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	err := dlg.ReadRequest(req, tx)
	if err != nil {
		respond(p, req, tx, 500, "Server Internal Error (CSeq out of order)")
		return
	}
	offer := req.Body()
	var answer []byte
	var neg sdp.Negotiated
	if len(offer) > 0 {
		c.ext.mu.Lock()
		early := c.ext.earlyNeg != nil
		c.ext.mu.Unlock()
		switch {
		case answered || early:
		case dir == DirIn: // the INVITE's offer waits for our answer (RFC 3311 §5.2)
			res := sip.NewResponseFromRequest(req, 500, "Server Internal Error (offer pending)", nil)
			res.AppendHeader(sip.NewHeader("Retry-After", "1"))
			p.reply(req, tx, res)
			return
		default: // our INVITE's offer is not answered yet
			respond(p, req, tx, 491, "Request Pending")
			return
		}
		c.mu.Lock()
		c.local.Version++
		local := c.local
		c.mu.Unlock()
		neg, answer, err = sdp.Answer(offer, local)
		if err != nil {
			c.refuseSDP(req, tx, err, "UPDATE offer refused")
			return
		}
	}
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	if len(answer) > 0 {
		res = sip.NewSDPResponseFromRequest(req, answer)
	}
	ct := c.contact(req.Transport())
	res.AppendHeader(&ct)
	if answered {
		for _, h := range c.sessionAsUAS(req) {
			res.AppendHeader(h)
		}
	}
	// The new answer is in place before our 200 leaves: a peer that answers the INVITE right after
	// it (SDP-less 200) must find this UPDATE's negotiation, not the 18x's it replaced.
	if len(offer) > 0 {
		if !answered {
			c.ext.mu.Lock()
			c.ext.earlyNeg = &neg
			c.ext.mu.Unlock()
		}
		if err := c.applyMedia(neg); err != nil {
			c.log.Error("media update", "error", err)
		}
	}
	p.reply(req, tx, res)
	c.log.Info("UPDATE", "offer", len(offer) > 0, "answered", answered)
	if len(offer) > 0 && answered {
		c.followPeerDirection(neg)
	}
	if answered {
		c.armSessionTimer()
	}
}

// followPeerDirection sets held/established after the peer's offer changed the direction.
func (c *Call) followPeerDirection(neg sdp.Negotiated) {
	c.mu.Lock()
	held := c.info.Held
	c.mu.Unlock()
	if neg.RemoteDir == sdp.SendOnly || neg.RemoteDir == sdp.Inactive || held {
		c.setState(StateHeld, 0, "held by peer")
	} else {
		c.setState(StateEstablished, 0, "resumed by peer")
	}
}

// noteAck keeps the SDP an ACK carries for a re-INVITE we answered with an offer.
func (c *Call) noteAck(seq uint32, body []byte) {
	c.ext.mu.Lock()
	defer c.ext.mu.Unlock()
	c.ext.ackSeq, c.ext.ackBody = seq, body
}

// applyAckAnswer applies the answer that came in the ACK to our offer in a 200 to a re-INVITE
// without SDP (RFC 3261 §14.2): RTP goes where that answer says.
func (c *Call) applyAckAnswer(seq uint32, local sdp.Local) {
	c.ext.mu.Lock()
	body := c.ext.ackBody
	if c.ext.ackSeq != seq {
		body = nil
	}
	c.ext.mu.Unlock()
	if len(body) == 0 {
		c.log.Warn("re-INVITE without SDP: the ACK brought no answer")
		return
	}
	neg, err := sdp.ParseAnswer(body, local)
	if err != nil {
		c.goCall("hangup", func() { c.hangupWith(c.unusableAnswer("ACK", err)) })
		return
	}
	c.log.Info("re-INVITE without SDP: answer from the ACK", "remote", neg.Remote)
	if err := c.applyMedia(neg); err != nil {
		c.log.Error("media update", "error", err)
	}
	c.followPeerDirection(neg)
}
