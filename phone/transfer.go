package phone

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// How long a transfer may take once the REFER was accepted: the target may ring a while.
const transferWait = 90 * time.Second

// xferState is what a call knows about transfers that concern it.
type xferState struct {
	notify    chan int // out: sipfrag status codes of the NOTIFYs to our REFER
	active    bool     // out: a REFER of ours is in progress
	endReason string   // a BYE from the peer ends the call with this reason (transferred, replaced)
	ask       chan bool
}

// xferOf returns the call's transfer state, creating it (c.mu held).
func (c *Call) xferOf() *xferState {
	if c.xfer == nil {
		c.xfer = &xferState{notify: make(chan int, 16)}
	}
	return c.xfer
}

// markEnd makes a later BYE from the peer end the call with reason.
func (c *Call) markEnd(reason string) {
	c.mu.Lock()
	c.xferOf().endReason = reason
	c.mu.Unlock()
}

// byeReason is the terminated reason when the peer sends BYE.
func (c *Call) byeReason() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.xfer != nil && c.xfer.endReason != "" {
		return c.xfer.endReason
	}
	return "remote BYE"
}

func (p *Phone) publishTransfer(e EventTransfer) {
	p.log.Info("transfer", "call", e.ID, "direction", e.Direction, "state", e.State, "code", e.Code, "target", e.Target, "new", e.NewID, "reason", e.Reason)
	p.publish(e)
}

// Transfer asks the peer of an answered call to call target instead (blind transfer, RFC
// 3515). The call stays up until the peer's NOTIFY reports the target answered.
func (p *Phone) Transfer(id, target string) error {
	c, err := p.call(id, "transfer", answered)
	if err != nil {
		return err
	}
	if !answered(c.State()) {
		return fmt.Errorf("call %s is not answered (%s)", c.id, c.State())
	}
	uri, err := resolveTarget(c.acct.cfg, target)
	if err != nil {
		return err
	}
	return p.startRefer(c, ReferTo{URI: uri.String()}, nil)
}

// Attended transfers call id (usually held) to the peer of call id2 (the consultation call):
// id's peer calls id2's peer with Replaces, and both our calls end (RFC 3891, RFC 5589).
// Empty ids pick the held call and the other answered one.
func (p *Phone) Attended(id, id2 string) error {
	a, b, err := p.attendedPair(id, id2)
	if err != nil {
		return err
	}
	rt, err := b.replacesTarget()
	if err != nil {
		return err
	}
	return p.startRefer(a, rt, b)
}

// attendedPair resolves the two calls of an attended transfer.
func (p *Phone) attendedPair(id, id2 string) (a, b *Call, err error) {
	p.mu.Lock()
	var live []*Call
	for _, c := range p.calls {
		if answered(c.State()) {
			live = append(live, c)
		}
	}
	p.mu.Unlock()
	byID := func(id string) (*Call, error) {
		for _, c := range live {
			if c.id == id {
				return c, nil
			}
		}
		return nil, fmt.Errorf("no answered call %s", id)
	}
	others := func(not *Call) []*Call {
		var o []*Call
		for _, c := range live {
			if c != not {
				o = append(o, c)
			}
		}
		return o
	}
	switch {
	case id != "" && id2 != "":
		if a, err = byID(id); err != nil {
			return nil, nil, err
		}
		if b, err = byID(id2); err != nil {
			return nil, nil, err
		}
		if a == b {
			return nil, nil, errors.New("attended transfer: two different calls needed")
		}
	case id != "":
		if a, err = byID(id); err != nil {
			return nil, nil, err
		}
		o := others(a)
		if len(o) != 1 {
			return nil, nil, fmt.Errorf("attended transfer of %s: %d other answered calls, say which", id, len(o))
		}
		b = o[0]
	default:
		if len(live) != 2 {
			return nil, nil, fmt.Errorf("attended transfer: %d answered calls, want 2 (or say which)", len(live))
		}
		a, b = live[0], live[1]
		if !a.Info().Held && b.Info().Held {
			a, b = b, a // the held call is the one transferred
		}
	}
	return a, b, nil
}

// replacesTarget is the Refer-To that sends someone to this call's peer, replacing this call.
func (c *Call) replacesTarget() (ReferTo, error) {
	rt, ok := c.remoteTarget()
	if !ok {
		return ReferTo{}, fmt.Errorf("call %s has no dialog", c.id)
	}
	local, remote := c.tags()
	if local == "" || remote == "" {
		return ReferTo{}, fmt.Errorf("call %s: dialog tags unknown", c.id)
	}
	// Seen from the peer that gets the Replaces: its own tag (to-tag) is our remote tag.
	return ReferTo{URI: rt.String(), Replaces: &Replaces{CallID: c.sipCallID, ToTag: remote, FromTag: local}}, nil
}

// tags are the call's dialog tags: ours and the peer's.
func (c *Call) tags() (local, remote string) {
	c.mu.Lock()
	d := c.dialog()
	c.mu.Unlock()
	if d == nil {
		return "", ""
	}
	return d.tags()
}

// startRefer sends the REFER and follows the transfer on its own goroutine; consult is the
// consultation call of an attended transfer (nil: blind).
func (p *Phone) startRefer(c *Call, rt ReferTo, consult *Call) error {
	target, ok := c.remoteTarget()
	if !ok {
		return fmt.Errorf("call %s has no dialog to transfer", c.id)
	}
	c.mu.Lock()
	x := c.xferOf()
	if x.active {
		c.mu.Unlock()
		return fmt.Errorf("call %s: a transfer is already in progress", c.id)
	}
	x.active = true
	for len(x.notify) > 0 { // NOTIFYs of an earlier transfer
		<-x.notify
	}
	c.mu.Unlock()
	c.goCall("transfer", func() {
		p.runRefer(c, target, rt, consult)
		c.mu.Lock()
		c.xfer.active = false
		c.mu.Unlock()
	})
	return nil
}

func (p *Phone) runRefer(c *Call, target sip.Uri, rt ReferTo, consult *Call) {
	ev := EventTransfer{ID: c.id, Direction: "out", Target: rt.URI, Attended: rt.Replaces != nil}
	// A blind transfer holds the call first (RFC 5589 §6): the transferee waits in silence, and
	// a failed transfer takes it off hold again, so the call is as it was. An attended
	// transfer's call is already held by the user.
	heldByUs := false
	fail := func(code int, why string) {
		ev.State, ev.Code, ev.Reason = "failed", code, why
		p.publishTransfer(ev)
		p.notice("warn", fmt.Sprintf("call %s: transfer to %s failed: %s", c.id, rt.URI, why))
		if heldByUs && answered(c.State()) {
			c.reinvite(false)
		}
	}
	ev.State = "trying"
	p.publishTransfer(ev)
	if consult == nil {
		heldByUs = c.holdForTransfer()
	}
	req := sip.NewRequest(sip.REFER, target)
	req.AppendHeader(sip.NewHeader("Refer-To", rt.String()))
	req.AppendHeader(sip.NewHeader("Referred-By", "<"+c.acct.cfg.AORURI.String()+">"))
	ct := c.contact(c.transport())
	req.AppendHeader(&ct)
	ctx, cancel := context.WithTimeout(p.ctx, 32*time.Second)
	res, err := c.dialogDo(ctx, req)
	cancel()
	switch {
	case err != nil:
		fail(408, "REFER: "+err.Error())
		return
	case !res.IsSuccess():
		fail(res.StatusCode, fmt.Sprintf("REFER refused: %d %s", res.StatusCode, res.Reason))
		return
	}
	ev.State, ev.Code = "accepted", res.StatusCode
	p.publishTransfer(ev)
	c.markEnd("transferred") // a BYE from the transferee now means it went
	if consult != nil {
		consult.markEnd("transferred") // the target's BYE (Replaces) may come before the NOTIFY
	}
	unmark := func() {
		c.markEnd("")
		if consult != nil {
			consult.markEnd("")
		}
	}
	c.mu.Lock()
	notify := c.xfer.notify
	c.mu.Unlock()
	timeout := time.NewTimer(transferWait)
	defer timeout.Stop()
	for {
		select {
		case code := <-notify:
			switch {
			case code == 180 || code == 183:
				ev.State, ev.Code = "ringing", code // the target rings: the user may wait or hang up
				p.publishTransfer(ev)
				continue
			case code < 200:
				continue
			case code < 300:
				ev.State, ev.Code, ev.Reason = "succeeded", code, ""
				p.publishTransfer(ev)
				c.hangupWith(0, "transferred")
				if consult != nil {
					// the target's new call replaces this one: its BYE usually comes first
					select {
					case <-consult.done:
					case <-time.After(2 * time.Second):
						consult.hangupWith(0, "transferred")
					}
				}
				return
			default:
				unmark()
				fail(code, fmt.Sprintf("the target answered %d", code))
				return
			}
		case <-timeout.C:
			unmark()
			fail(408, fmt.Sprintf("no final NOTIFY within %v", transferWait))
			return
		case <-c.done:
			if c.Info().Reason == "transferred" {
				ev.State, ev.Code = "succeeded", 200
				ev.Reason = "the transferee hung up"
				p.publishTransfer(ev)
				return
			}
			unmark()
			fail(0, "the call ended: "+c.Info().Reason)
			return
		case <-p.ctx.Done():
			return
		}
	}
}

// onNotify answers NOTIFYs in a call; those of the implicit refer subscription report how our
// transfer goes (message/sipfrag).
func (p *Phone) onNotify(req *sip.Request, tx sip.ServerTransaction) {
	c := p.callBySIP(req)
	if c == nil {
		respond(p, req, tx, 481, "Subscription Does Not Exist")
		return
	}
	event := ""
	if h := req.GetHeader("Event"); h != nil {
		event = strings.ToLower(strings.TrimSpace(strings.Split(h.Value(), ";")[0]))
	}
	if event != "refer" {
		respond(p, req, tx, 200, "OK")
		return
	}
	c.mu.Lock()
	x := c.xfer
	c.mu.Unlock()
	if x == nil {
		respond(p, req, tx, 481, "Subscription Does Not Exist")
		return
	}
	respond(p, req, tx, 200, "OK")
	code, reason, err := parseSipfrag(req.Body())
	state := ""
	if h := req.GetHeader("Subscription-State"); h != nil {
		state = strings.ToLower(strings.TrimSpace(strings.Split(h.Value(), ";")[0]))
	}
	c.log.Info("transfer NOTIFY", "sipfrag", code, "reason", reason, "subscription", state, "error", err)
	if err != nil {
		if state != "terminated" {
			return
		}
		code = 500 // the subscription ended without a status we can read
	}
	if state == "terminated" && code < 200 {
		code = 487
	}
	select {
	case x.notify <- code:
	default:
	}
}

// holdForTransfer puts an answered call on hold before a blind REFER; false when it was held
// already, cannot be held (echo test) or the peer refused the hold (the REFER goes anyway).
func (c *Call) holdForTransfer() bool {
	c.mu.Lock()
	skip := c.info.Held || c.echo != nil || !answered(c.info.State)
	c.mu.Unlock()
	if skip {
		return false
	}
	c.reinvite(true)
	return c.Info().Held
}

// byeCrossed: our BYE got 481 because the peer's BYE ended the dialog first (both sides hang
// up at once, as after a transfer): the call ended as asked, nothing failed.
func byeCrossed(err error) bool {
	var de sipgo.ErrDialogResponse
	return errors.As(err, &de) && de.Res != nil && de.Res.StatusCode == 481
}
