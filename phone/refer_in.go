package phone

import (
	"context"
	"fmt"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/config"
)

// How long refer_policy = "ask" waits for the user before declining.
const referAskWait = 30 * time.Second

// onRefer: the peer of a call transfers us (RFC 3515). By the account's refer_policy we
// refuse (603), or accept (202) and call the Refer-To target, reporting by NOTIFY.
func (p *Phone) onRefer(req *sip.Request, tx sip.ServerTransaction) {
	c := p.liveCallBySIP(req) // 481 once our BYE is out (ended.go)
	if c == nil || !req.To().Params.Has("tag") {
		respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	if !answered(c.State()) {
		respond(p, req, tx, 481, "Call/Transaction Does Not Exist (not answered)")
		return
	}
	h := req.GetHeader("Refer-To")
	if h == nil {
		respond(p, req, tx, 400, "Bad Request (no Refer-To)")
		return
	}
	rt, err := parseReferTo(h.Value())
	if err != nil {
		respond(p, req, tx, 400, "Bad Request (Refer-To)")
		return
	}
	uri, err := config.ParseURI(rt.URI)
	if err != nil {
		respond(p, req, tx, 400, "Bad Request (Refer-To URI)")
		return
	}
	ev := EventTransfer{ID: c.id, Direction: "in", Target: rt.URI, Attended: rt.Replaces != nil}
	if c.acct.cfg.ReferPolicy == "reject" {
		respond(p, req, tx, 603, "Decline")
		ev.State, ev.Code, ev.Reason = "failed", 603, "refer_policy is reject"
		p.publishTransfer(ev)
		p.notice("info", fmt.Sprintf("call %s: declined a transfer to %s (refer_policy = reject)", c.id, rt.URI))
		return
	}
	res := sip.NewResponseFromRequest(req, 202, "Accepted", nil)
	ct := c.contact(req.Transport())
	res.AppendHeader(&ct)
	p.reply(req, tx, res)
	var extra []sip.Header
	if by := req.GetHeader("Referred-By"); by != nil {
		extra = append(extra, sip.NewHeader("Referred-By", by.Value()))
	} else {
		extra = append(extra, sip.NewHeader("Referred-By", "<"+req.From().Address.String()+">"))
	}
	if rt.Replaces != nil {
		extra = append(extra, sip.NewHeader("Replaces", rt.Replaces.String()))
	}
	c.goCall("following a REFER", func() { p.followRefer(c, ev, uri, extra) })
}

// followRefer asks the user if the policy says so, calls the target and reports by NOTIFY.
func (p *Phone) followRefer(c *Call, ev EventTransfer, uri sip.Uri, extra []sip.Header) {
	fail := func(code int, reason, why string) {
		c.sendReferNotify(code, reason, true)
		ev.State, ev.Code, ev.Reason = "failed", code, why
		p.publishTransfer(ev)
		p.notice("warn", fmt.Sprintf("call %s: transfer to %s failed: %s", c.id, ev.Target, why))
	}
	if c.acct.cfg.ReferPolicy == "ask" {
		ask := make(chan bool, 1)
		c.mu.Lock()
		c.xferOf().ask = ask
		c.mu.Unlock()
		ev.State = "asked"
		p.publishTransfer(ev)
		p.notice("info", fmt.Sprintf("call %s: the peer transfers you to %s: accept or decline the transfer", c.id, ev.Target))
		yes := false
		select {
		case yes = <-ask:
		case <-time.After(referAskWait):
		case <-c.done:
		case <-p.ctx.Done():
		}
		c.mu.Lock()
		c.xfer.ask = nil
		c.mu.Unlock()
		if !yes {
			fail(603, "Declined", "declined")
			return
		}
	}
	ev.State = "trying"
	p.publishTransfer(ev)
	c.sendReferNotify(100, "Trying", false)
	sub := p.Subscribe()
	defer sub.Close()
	newID, err := p.dialURI(c.acct, uri, extra...)
	if err != nil {
		fail(503, "Service Unavailable", "calling the target: "+err.Error())
		return
	}
	ev.State, ev.NewID = "accepted", newID
	p.publishTransfer(ev)
	p.notice("info", fmt.Sprintf("call %s: transferred by the peer: calling %s (call %s)", c.id, ev.Target, newID))
	ringNotified := false
	for e := range sub.C() {
		ce, ok := e.(EventCall)
		if !ok || ce.Call.ID != newID {
			continue
		}
		switch ce.Call.State {
		case StateRinging, StateEarly:
			// the transferor's user sees the target ring (RFC 3515 §2.4.5: any status may be reported)
			if !ringNotified {
				ringNotified = true
				code, reason := 180, "Ringing"
				if ce.Call.State == StateEarly {
					code, reason = 183, "Session Progress"
				}
				c.sendReferNotify(code, reason, false)
			}
		case StateEstablished:
			c.markEnd("transferred") // the transferor's BYE may come before ours
			c.sendReferNotify(200, "OK", true)
			ev.State, ev.Code = "succeeded", 200
			p.publishTransfer(ev)
			c.hangupWith(0, "transferred")
			return
		case StateTerminated:
			code := ce.Call.Code
			if code < 300 {
				code = 487
			}
			fail(code, reasonPhrase(code), ce.Call.Reason)
			return
		}
	}
}

// sendReferNotify reports the transfer's progress to the transferor (message/sipfrag).
func (c *Call) sendReferNotify(code int, reason string, final bool) {
	target, ok := c.remoteTarget()
	if !ok || c.State() == StateTerminated {
		return
	}
	req := sip.NewRequest(sip.NOTIFY, target)
	req.AppendHeader(sip.NewHeader("Event", "refer"))
	state := "active;expires=60"
	if final {
		state = "terminated;reason=noresource"
	}
	req.AppendHeader(sip.NewHeader("Subscription-State", state))
	ct := c.contact(c.transport())
	req.AppendHeader(&ct)
	req.AppendHeader(sip.NewHeader("Content-Type", "message/sipfrag;version=2.0"))
	req.SetBody([]byte(fmt.Sprintf("SIP/2.0 %d %s\r\n", code, reason)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	res, err := c.dialogDo(ctx, req)
	switch {
	case err != nil:
		c.log.Warn("transfer NOTIFY failed", "sipfrag", code, "error", err)
	case !res.IsSuccess():
		c.log.Warn("transfer NOTIFY refused", "sipfrag", code, "code", res.StatusCode)
	}
}

// AnswerTransfer accepts or declines a transfer the peer asked for (refer_policy = ask).
func (p *Phone) AnswerTransfer(id string, accept bool) error {
	verb := map[bool]string{true: "accept a transfer", false: "decline a transfer"}[accept]
	p.mu.Lock()
	var asked []*Call
	for _, c := range p.calls {
		c.mu.Lock()
		if c.xfer != nil && c.xfer.ask != nil && (id == "" || c.id == id) {
			asked = append(asked, c)
		}
		c.mu.Unlock()
	}
	p.mu.Unlock()
	switch {
	case len(asked) == 0 && id != "":
		return fmt.Errorf("call %s: no transfer waits for an answer", id)
	case len(asked) == 0:
		return fmt.Errorf("no transfer to %s", map[bool]string{true: "accept", false: "decline"}[accept])
	case len(asked) > 1:
		return fmt.Errorf("%d transfers wait: say which call to %s", len(asked), verb)
	}
	c := asked[0]
	c.mu.Lock()
	ask := c.xfer.ask
	c.mu.Unlock()
	select {
	case ask <- accept:
	default:
		return fmt.Errorf("call %s: the transfer was already answered", c.id)
	}
	return nil
}
