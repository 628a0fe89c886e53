package phone

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/sdp"
)

// onInvite handles a new INVITE (or routes a re-INVITE to its call). For a new call it stays
// parked until the call's owner decides: sipgo ends the INVITE transaction when this returns.
// Three steps: screening (a status code or admission), accepting (the call rings), and
// waiting for the decision.
func (p *Phone) onInvite(req *sip.Request, tx sip.ServerTransaction) {
	if to := req.To(); to == nil || !to.Params.Has("tag") {
		if p.inviteCopy(req, tx) { // a retransmission that outlived its transaction (ended_dialogs.go)
			return
		}
	} else {
		c := p.liveCallBySIP(req)
		if c == nil {
			respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
			return
		}
		c.handleReinvite(req, tx)
		return
	}
	// Screening comes before any provisional response: a refused INVITE gets one final answer.
	adm, r := p.screenNewInvite(req)
	if adm.leave != nil {
		defer adm.leave() // the INVITE transaction is in progress until answered and ACKed, or refused
	}
	if r.code != 0 {
		p.sendRefusal(req, tx, r)
		return
	}
	c, answer, ok := p.acceptInvite(req, tx, adm)
	if !ok {
		return
	}
	c.armDecisions(adm.replaced)
	c.awaitDecision(answer, len(req.Body()) == 0)
}

// acceptInvite turns a screened INVITE into a ringing call: the call with its policy, RTP port
// and SDP answer, the dialog, its place in the registry, and 100 then 180 (or 183 for early
// media). It answers the INVITE itself when any of that fails (false).
func (p *Phone) acceptInvite(req *sip.Request, tx sip.ServerTransaction, adm admission) (c *Call, answer []byte, ok bool) {
	body := req.Body()
	remote := req.From().Address.String()
	c = p.newCall(adm.acct, DirIn, req.CallID().Value(), remote, req.Recipient.String())
	c.peerIP = inviteOrigin(req, body)
	if err := c.takePolicy(adm.rule, adm.ruleN); err != nil {
		p.refuseCode(req, tx, 500, "Server Internal Error", c.id, err.Error())
		return nil, nil, false
	}
	if err := c.newMedia(); err != nil {
		p.refuseCode(req, tx, 503, "Service Unavailable (no RTP port)", c.id, "no RTP port free: "+err.Error())
		return nil, nil, false
	}
	if len(body) > 0 {
		neg, a, err := sdp.Answer(body, c.local)
		if err != nil {
			c.refuseOffer(req, tx, err) // 488/400 with the true reason, and a terminated event
			return nil, nil, false
		}
		c.neg, answer = neg, a
	} else {
		// Late offer: our offer goes in the 200, the answer comes in the ACK.
		answer = sdp.Offer(c.local)
	}

	// One To-tag for every response (RFC 3261 §8.2.6.2): sipgo builds its automatic 487 after a
	// CANCEL from the transaction's own request, not from the dialog's tagged copy, so that
	// request gets the dialog's tag too. Our 100 first stops sipgo's 100 timer, which reads it.
	respond(p, req, tx, 100, "Trying")
	tag := sip.GenerateTagN(16)
	req.To().Params.Add("tag", tag)
	dlg, err := c.dialogUA(req.Transport()).ReadInvite(req, tx)
	if err != nil {
		c.media.Close()
		p.refuseCode(req, tx, 400, "Bad Request", c.id, "the INVITE does not start a dialog: "+err.Error())
		return nil, nil, false
	}
	dlg.InviteRequest.To().Params.Add("tag", tag)
	if id, err := sip.DialogIDFromRequestUAS(dlg.InviteRequest); err == nil {
		dlg.ID = id
	}
	c.srvDlg = dlg
	c.setPeerTag(fromTag(req))
	if err := p.register(c); err != nil {
		c.media.Close()
		p.refuseCode(req, tx, 480, "Temporarily Unavailable", c.id, err.Error())
		return nil, nil, false
	}
	c.log.Info("incoming call", "from", remote, "to", req.Recipient.String(), "account", adm.acct.cfg.Name, "transport", req.Transport())
	c.p.publish(EventCall{Call: c.Info()})
	if !c.earlyMedia(answer, len(body) == 0) {
		if err := c.sendRinging(dlg, tx); err != nil {
			c.log.Warn("sending 180 failed", "error", err)
		}
		p.startRinging(c)
	}
	return c, answer, true
}

// armDecisions starts what decides a ringing call without a person: the no_answer timeout, a
// Replaces (the user already has this conversation: answered at once), or an auto-answer
// (answer policy, auto_answer).
func (c *Call) armDecisions(replaced *Call) {
	p := c.p
	if replaced == nil {
		c.startNoAnswer()
	}
	if replaced != nil {
		c.goCall("replacing "+replaced.id, func() { p.completeReplace(c, replaced) })
	} else if d, ok := p.policyAnswerDelay(c); ok {
		c.log.Info("auto-answer scheduled", "after", d)
		c.mu.Lock()
		c.autoTimer = c.afterFunc(d, "auto-answer", func() {
			if err := c.answer(); err == nil {
				c.log.Info("auto-answered", "after", d)
			}
		})
		c.mu.Unlock()
	}
}

// awaitDecision parks the INVITE handler until the call is decided: answer/reject from any
// goroutine (a person, a command, a timer, the policy), or CANCEL / the transaction's end.
func (c *Call) awaitDecision(answer []byte, lateOffer bool) {
	dlg := c.srvDlg
	select {
	case d := <-c.decide:
		if d.answer {
			c.answerIncoming(answer, lateOffer)
		} else {
			c.rejectIncoming(d)
		}
	case <-dlg.Context().Done():
		cause := context.Cause(dlg.Context())
		if errors.Is(cause, sip.ErrTransactionCanceled) {
			c.finish(487, "cancelled by caller")
		} else {
			c.finish(408, fmt.Sprintf("INVITE transaction ended before an answer (%v)", cause))
		}
	}
}

// autoAnswerDelay: the account's auto_answer, else the global one (--auto-answer).
func (p *Phone) autoAnswerDelay(a *Account) (time.Duration, bool) {
	if p.cfg.AutoAnswerDur != nil {
		return *p.cfg.AutoAnswerDur, true
	}
	if a.cfg.AutoAnswerDur != nil {
		return *a.cfg.AutoAnswerDur, true
	}
	return 0, false
}

// answer hands the answer decision to the parked INVITE handler; it does not wait for the ACK.
func (c *Call) answer() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.info.Direction != DirIn || c.info.State != StateIncoming || c.decided {
		return fmt.Errorf("call %s is not ringing (%s)", c.id, c.info.State)
	}
	c.decided = true
	if c.autoTimer != nil {
		c.autoTimer.Stop()
	}
	c.decide <- decision{answer: true}
	return nil
}

// answerIncoming runs on the parked handler: start media, send 200 and wait for the ACK.
func (c *Call) answerIncoming(answer []byte, lateOffer bool) {
	c.stopTones()
	c.p.takeOver(c) // call waiting: the call we were in goes on hold
	if !lateOffer {
		if err := c.applyMedia(c.neg); err != nil {
			c.log.Error("media", "error", err)
		}
	}
	if d := c.awaitPrack(); d != nil {
		c.rejectIncoming(*d)
		return
	}
	hdrs := append([]sip.Header{sip.NewHeader("Content-Type", "application/sdp"), sip.NewHeader("Allow", allowedMethods),
		sip.NewHeader("Supported", supportedValue)}, c.sessionAsUAS(c.srvDlg.InviteRequest)...)
	err := c.send2xx(c.answer200(answer, hdrs))
	if err != nil {
		if c.byeCameBeforeAck() {
			return // onBye ends the call: it was answered, only the ACK was lost
		}
		if ctxErr := context.Cause(c.srvDlg.Context()); errors.Is(ctxErr, sip.ErrTransactionCanceled) {
			c.finish(487, "cancelled by caller")
			return
		}
		c.log.Warn("200 OK not acknowledged", "error", err)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = c.srvDlg.Bye(ctx)
		cancel()
		c.finish(408, "no ACK for our 200 OK")
		return
	}
	c.setState(StateEstablished, 200, "answered")
	c.armSessionTimer()
	c.afterAnswer()
}

// rejectIncoming runs on the parked handler: send the final error response.
func (c *Call) rejectIncoming(d decision) {
	c.stopTones()
	var hdrs []sip.Header
	if d.contact != "" {
		hdrs = append(hdrs, sip.NewHeader("Contact", "<"+d.contact+">"))
	}
	if err := c.srvDlg.Respond(d.code, d.sipReason, nil, hdrs...); err != nil {
		c.log.Warn("sending reject failed", "code", d.code, "error", err)
	}
	c.finish(d.code, d.why)
}

// handleReinvite answers a re-INVITE (hold/resume/address change) within the call's dialog.
func (c *Call) handleReinvite(req *sip.Request, tx sip.ServerTransaction) {
	// The peer may re-INVITE as soon as it has sent its ACK, and the two run on different
	// goroutines here: let the ACK confirm the dialog before the re-INVITE moves its CSeq on.
	c.waitAnswered(2 * time.Second)
	if c.p.refuseUnsupported(req, tx) || c.p.refuseShortSession(req, tx, c.acct) {
		return
	}
	d := c.dialog()
	if d == nil {
		respond(c.p, req, tx, 491, "Request Pending")
		return
	}
	err := d.ReadRequest(req, tx)
	if err != nil {
		respond(c.p, req, tx, 500, "Server Internal Error (CSeq out of order)")
		return
	}
	c.mu.Lock()
	state := c.info.State
	answered := !c.info.Answered.IsZero()
	c.local.Version++
	local := c.local
	c.mu.Unlock()
	if state == StateTerminated || !answered {
		respond(c.p, req, tx, 491, "Request Pending")
		return
	}
	var body []byte
	var neg sdp.Negotiated
	offer := req.Body()
	if len(offer) > 0 {
		neg, body, err = sdp.Answer(offer, local)
		if err != nil {
			c.refuseSDP(req, tx, err, "re-INVITE refused")
			return
		}
	} else {
		body = sdp.Offer(local)
	}
	res := sip.NewSDPResponseFromRequest(req, body)
	ct := c.contact(req.Transport())
	res.AppendHeader(&ct)
	for _, h := range c.sessionAsUAS(req) {
		res.AppendHeader(h)
	}
	if err := tx.Respond(res); err != nil {
		c.log.Warn("answering re-INVITE failed", "error", err)
		return
	}
	if len(offer) > 0 {
		c.log.Info("re-INVITE", "remote_direction", neg.RemoteDir, "our_direction", neg.Direction)
		if err := c.applyMedia(neg); err != nil {
			c.log.Error("media update", "error", err)
		}
		c.followPeerDirection(neg)
	}
	if c.awaitAck(req, tx, res) && len(offer) == 0 {
		c.applyAckAnswer(req.CSeq().SeqNo, local)
	}
	c.armSessionTimer()
}

// awaitAck retransmits a 2xx to a re-INVITE until its ACK arrives (RFC 3261 §13.3.1.4: T1,
// doubling to T2, for 64*T1); over a reliable transport one send is enough.
func (c *Call) awaitAck(req *sip.Request, tx sip.ServerTransaction, res *sip.Response) bool {
	seq := req.CSeq().SeqNo
	interval := sip.T1
	deadline := time.After(64 * sip.T1)
	for {
		var retransmit <-chan time.Time
		if !sip.IsReliable(req.Transport()) {
			retransmit = time.After(interval)
		}
		select {
		case got := <-c.reinviteAck:
			if got == seq {
				return true
			}
		case <-retransmit:
			if err := tx.Respond(res); err != nil {
				if err := c.p.srv.WriteResponse(res); err != nil {
					c.log.Warn("re-sending 200 to re-INVITE failed", "error", err)
				}
			}
			interval = min(interval*2, sip.T2)
		case <-deadline:
			c.log.Warn("no ACK for our 200 to a re-INVITE")
			return false
		case <-c.done:
			return false
		}
	}
}

// onAck routes an ACK to its call: the answer's ACK confirms the dialog, others end a re-INVITE.
func (p *Phone) onAck(req *sip.Request, tx sip.ServerTransaction) {
	c := p.callBySIP(req)
	if c == nil {
		return
	}
	seq := req.CSeq().SeqNo
	if c.srvDlg != nil && seq == c.srvDlg.InviteRequest.CSeq().SeqNo {
		if err := c.srvDlg.ReadAck(req, tx); err != nil {
			c.log.Debug("ACK", "error", err)
		}
		if body := req.Body(); len(body) > 0 && c.neg.Codec.Name == "" {
			// late offer: the ACK carries the answer
			c.mu.Lock()
			local := c.local
			c.mu.Unlock()
			if neg, err := sdp.ParseAnswer(body, local); err == nil {
				_ = c.applyMedia(neg)
			} else {
				c.goCall("hangup", func() { c.hangupWith(c.unusableAnswer("ACK", err)) })
			}
		}
		return
	}
	c.noteAck(seq, req.Body())
	select {
	case c.reinviteAck <- seq:
	default:
	}
}

// onBye ends the call it belongs to; 481 when there is none.
func (p *Phone) onBye(req *sip.Request, tx sip.ServerTransaction) {
	c := p.liveCallBySIP(req)
	if c == nil {
		if p.endedDialog(req, endedByBye) { // our 200 to its BYE was lost (ended_dialogs.go)
			respond(p, req, tx, 200, "OK")
			tx.Terminate()
			return
		}
		respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	d := c.dialog()
	if d == nil {
		respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	if c.srvDlg != nil {
		c.noteByeBeforeAck()
	}
	if err := d.ReadBye(req, tx); err != nil {
		c.log.Warn("BYE", "error", err)
		respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	c.finish(200, c.byeReason())
	// Our 200 is out and the call has left the registry: a retransmitted BYE meets p.ended, so
	// the transaction need not be kept for Timer J with the BYE and our 200 (memory.go).
	p.ended.add(req.CallID().Value(), fromTag(req), endedByBye)
	tx.Terminate()
}

// onCancel only sees CANCELs that matched no INVITE transaction (sipgo answers the others).
func (p *Phone) onCancel(req *sip.Request, tx sip.ServerTransaction) {
	respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
}

func (p *Phone) onOptions(req *sip.Request, tx sip.ServerTransaction) {
	res := sip.NewResponseFromRequest(req, 200, "OK", nil)
	res.AppendHeader(sip.NewHeader("Allow", allowedMethods))
	res.AppendHeader(sip.NewHeader("Accept", "application/sdp"))
	res.AppendHeader(sip.NewHeader("Supported", supportedValue))
	res.AppendHeader(sip.NewHeader("User-Agent", p.userAgent()))
	p.reply(req, tx, res)
}

// onInfo takes DTMF sent as SIP INFO (application/dtmf-relay or application/dtmf).
func (p *Phone) onInfo(req *sip.Request, tx sip.ServerTransaction) {
	c := p.liveCallBySIP(req)
	if c == nil {
		respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	ct := ""
	if h := req.ContentType(); h != nil {
		ct = strings.ToLower(strings.TrimSpace(strings.Split(h.Value(), ";")[0]))
	}
	digit := ""
	switch ct {
	case "application/dtmf-relay":
		for _, line := range strings.Split(string(req.Body()), "\n") {
			k, v, ok := strings.Cut(line, "=")
			if ok && strings.EqualFold(strings.TrimSpace(k), "signal") {
				digit = strings.TrimSpace(v)
			}
		}
	case "application/dtmf":
		digit = strings.TrimSpace(string(req.Body()))
	default:
		respond(p, req, tx, 415, "Unsupported Media Type")
		return
	}
	digit = strings.ToUpper(digit)
	if len(digit) != 1 || !strings.Contains("0123456789*#ABCD", digit) {
		respond(p, req, tx, 400, "Bad Request (not a DTMF digit)")
		return
	}
	respond(p, req, tx, 200, "OK")
	c.log.Info("dtmf received", "digit", digit, "via", "info")
	p.publish(EventDTMF{ID: c.id, Digit: digit, Source: "info"})
}

// onNoDialog answers requests we do not implement: 481 outside a known call, 405 inside
// (notAllowed); MESSAGE is taken in and out of calls.
func (p *Phone) onNoDialog(req *sip.Request, tx sip.ServerTransaction) {
	if req.Method == sip.MESSAGE && !req.To().Params.Has("tag") {
		if _, code, reason := p.screenRequest(req); code != 0 {
			p.answerRefusal(req, tx, code, reason)
			return
		}
		p.notice("info", fmt.Sprintf("message from %s: %s", req.From().Address.String(), strings.TrimSpace(string(req.Body()))))
		respond(p, req, tx, 200, "OK")
		return
	}
	if p.liveCallBySIP(req) == nil {
		respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	if req.Method == sip.MESSAGE { // within a call: Allow lists MESSAGE, so take it here too
		p.notice("info", fmt.Sprintf("message from %s: %s", req.From().Address.String(), strings.TrimSpace(string(req.Body()))))
		respond(p, req, tx, 200, "OK")
		return
	}
	p.notAllowed(req, tx)
}

func (p *Phone) onNoRoute(req *sip.Request, tx sip.ServerTransaction) {
	p.notAllowed(req, tx)
}

func respond(p *Phone, req *sip.Request, tx sip.ServerTransaction, code int, reason string) {
	p.reply(req, tx, sip.NewResponseFromRequest(req, code, reason, nil))
}

func (p *Phone) reply(req *sip.Request, tx sip.ServerTransaction, res *sip.Response) {
	if err := tx.Respond(res); err != nil {
		p.log.Warn("sending response failed", "method", req.Method, "code", res.StatusCode, "error", err)
	}
}
