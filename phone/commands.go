package phone

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/sdp"
)

func incoming(s CallState) bool    { return s == StateIncoming } // an incoming call not yet decided
func live(s CallState) bool        { return s != StateTerminated }
func answered(s CallState) bool    { return s == StateEstablished || s == StateHeld }
func established(s CallState) bool { return s == StateEstablished }
func held(s CallState) bool        { return s == StateHeld }

// Answer answers a ringing incoming call (id "" = the only one). It returns once the decision is
// handed over; the call's events report the 200/ACK.
func (p *Phone) Answer(id string) error {
	c, err := p.call(id, "answer", incoming)
	if err != nil {
		return err
	}
	return c.answer()
}

// Reject refuses a ringing incoming call with a status code (0 = 486 Busy Here).
func (p *Phone) Reject(id string, code int) error {
	if code == 0 {
		code = 486
	}
	if code < 300 || code > 699 {
		return fmt.Errorf("reject code %d: want 300..699", code)
	}
	c, err := p.call(id, "reject", incoming)
	if err != nil {
		return err
	}
	if c.State() != StateIncoming || !c.reject(code, reasonPhrase(code), fmt.Sprintf("rejected locally with %d", code)) {
		return fmt.Errorf("call %s is not ringing (%s)", c.id, c.State())
	}
	return nil
}

// Hangup ends a call in any state: BYE when answered, CANCEL while calling, 486 while ringing.
func (p *Phone) Hangup(id string) error {
	c, err := p.call(id, "hang up", live)
	if err != nil {
		return err
	}
	if c.State() == StateTerminated {
		return fmt.Errorf("call %s has already ended", c.id)
	}
	c.goCall("hangup", func() { c.hangupWith(0, "local hangup") })
	return nil
}

// Hold puts an answered call on hold with a re-INVITE (a=sendonly); our RTP stops.
func (p *Phone) Hold(id string) error { return p.setHold(id, true) }

// Resume takes a held call off hold (a=sendrecv).
func (p *Phone) Resume(id string) error { return p.setHold(id, false) }

func (p *Phone) setHold(id string, hold bool) error {
	verb, ok := "hold", established
	if !hold {
		verb, ok = "resume", held
	}
	if id != "" {
		ok = answered // a named call: below says "already on hold" rather than "not held"
	}
	c, err := p.call(id, verb, ok)
	if err != nil {
		return err
	}
	c.mu.Lock()
	state, isEcho, already := c.info.State, c.echo != nil, c.info.Held == hold
	c.mu.Unlock()
	if !answered(state) {
		return fmt.Errorf("call %s is not answered (%s)", c.id, state)
	}
	if already && !hold && !isEcho && c.detached() {
		p.activate(c) // its hold was refused: resuming gives it the microphone back
		return nil
	}
	if already {
		return fmt.Errorf("call %s is already %s", c.id, map[bool]string{true: "on hold", false: "off hold"}[hold])
	}
	if isEcho {
		return fmt.Errorf("call %s is the echo test: nothing to hold", c.id)
	}
	if !hold {
		p.activate(c) // only one call has the microphone: the active one goes on hold
	}
	c.goCall("re-INVITE", func() { c.reinvite(hold) })
	return nil
}

// reinvite sends our re-INVITE for hold/resume and applies the answer.
func (c *Call) reinvite(hold bool) {
	target, ok := c.remoteTarget()
	if !ok {
		c.log.Warn("re-INVITE: no remote target")
		return
	}
	c.mu.Lock()
	c.local.Version++
	before := c.local.Direction
	c.local.Direction = sdp.SendRecv
	if hold {
		c.local.Direction = sdp.SendOnly
	}
	local := c.local
	c.mu.Unlock()
	// A re-INVITE that fails leaves the session as it was (RFC 3264 §8): so does our side of it,
	// or our next answer would carry the direction of a hold that never happened.
	rollback := func() {
		c.mu.Lock()
		c.local.Direction = before
		c.mu.Unlock()
	}
	req := sip.NewRequest(sip.INVITE, target)
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	c.addSessionHeaders(req) // a re-INVITE refreshes the session too (RFC 4028 §7.4)
	req.SetBody(sdp.Offer(local))
	ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
	defer cancel()
	res, err := c.dialogDo(ctx, req)
	what := map[bool]string{true: "hold", false: "resume"}[hold]
	if err != nil {
		rollback()
		c.log.Warn("re-INVITE failed", "for", what, "error", err)
		c.p.notice("warn", fmt.Sprintf("call %s: %s failed: %v", c.id, what, err))
		return
	}
	if res.IsSuccess() {
		ack := sip.NewRequest(sip.ACK, target)
		ack.AppendHeader(&sip.CSeqHeader{SeqNo: req.CSeq().SeqNo, MethodName: sip.ACK})
		if err := c.dialogWrite(ack); err != nil {
			c.log.Warn("ACK to re-INVITE failed", "error", err)
		}
	}
	if !res.IsSuccess() {
		rollback()
		c.p.notice("warn", fmt.Sprintf("call %s: %s refused: %d %s", c.id, what, res.StatusCode, res.Reason))
		return
	}
	c.sessionAsUAC(res, false)
	neg, err := sdp.ParseAnswer(res.Body(), local)
	if err != nil {
		rollback()
		c.log.Warn("re-INVITE answer unusable", "for", what, "error", err)
		c.p.notice("warn", fmt.Sprintf("call %s: %s failed: the answer is unusable (%v); the call goes on as before", c.id, what, err))
		return
	}
	c.mu.Lock()
	c.info.Held = hold
	c.mu.Unlock()
	if err := c.applyMedia(neg); err != nil {
		c.log.Error("media update", "error", err)
	}
	if hold || neg.RemoteDir == sdp.SendOnly || neg.RemoteDir == sdp.Inactive {
		c.setState(StateHeld, 0, map[bool]string{true: "held locally", false: "held by peer"}[hold])
	} else {
		c.setState(StateEstablished, 0, "resumed")
	}
}

// Mute sends silence instead of the microphone (RTP keeps flowing).
func (p *Phone) Mute(id string, on bool) error {
	c, err := p.call(id, "mute", answeredOrEarly)
	if err != nil {
		return err
	}
	c.mu.Lock()
	m := c.media
	c.info.Muted = on
	info := c.info
	c.mu.Unlock()
	if m != nil {
		m.SetMute(on)
	}
	c.log.Info("mute", "on", on)
	p.publish(EventCall{Call: info})
	return nil
}

// ToggleMute flips the mute state of a call and returns the new state.
func (p *Phone) ToggleMute(id string) (bool, error) {
	c, err := p.call(id, "mute", answeredOrEarly)
	if err != nil {
		return false, err
	}
	on := !c.Info().Muted
	return on, p.Mute(c.id, on)
}

func answeredOrEarly(s CallState) bool { return answered(s) || s == StateEarly }

// SendDTMF sends digits (0-9 * # A-D) as RFC 4733 events in an answered call.
func (p *Phone) SendDTMF(id, digits string) error {
	c, err := p.call(id, "send DTMF", answered)
	if err != nil {
		return err
	}
	if !answered(c.State()) {
		return fmt.Errorf("call %s is not answered (%s)", c.id, c.State())
	}
	digits = strings.ToUpper(strings.TrimSpace(digits))
	for _, r := range digits {
		if !strings.ContainsRune("0123456789*#ABCD", r) {
			return fmt.Errorf("%q is not a DTMF digit", r)
		}
	}
	c.mu.Lock()
	m := c.media
	c.mu.Unlock()
	if c.dtmfByInfo() {
		c.goCall("DTMF by INFO", func() { c.sendInfoDTMF(digits) })
		p.playDTMFFeedback(digits)
		return nil
	}
	if m == nil {
		return fmt.Errorf("call %s has no media", c.id)
	}
	if err := m.SendDTMF(digits); err != nil {
		return fmt.Errorf("call %s: %w", c.id, err)
	}
	c.log.Info("dtmf sent", "digits", digits)
	p.playDTMFFeedback(digits)
	return nil
}
