package phone

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// ReasonNoAnswer is what a call's terminated event says when ring_timeout or no_answer ran out.
const ReasonNoAnswer = "no answer"

// startRingTimeout arms the account's ring_timeout for an outgoing call: no final answer by
// then and the call is given up (CANCEL once the RFC allows it, "no answer" at once).
func (c *Call) startRingTimeout(cancel context.CancelFunc) {
	d := c.acct.cfg.RingTimeoutDur
	if d <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ringTimer = c.afterFunc(d, "ring timeout", func() {
		c.mu.Lock()
		ringing := c.info.Answered.IsZero() && c.info.State != StateTerminated
		c.mu.Unlock()
		if ringing {
			c.log.Info("ring timeout", "after", d)
			c.abandonOutgoing(cancel, 408, ReasonNoAnswer)
		}
	})
}

// abandonOutgoing ends an unanswered outgoing call for the user at once. Cancelling the INVITE's
// context makes its goroutine send CANCEL as soon as a provisional response has come (RFC 3261
// §9.1); if none ever comes, the INVITE transaction times out in the background, silently.
func (c *Call) abandonOutgoing(cancel context.CancelFunc, code int, reason string) {
	c.finish(code, reason)
	if cancel != nil {
		cancel()
	}
}

// startNoAnswer arms the account's no_answer for a ringing incoming call: 480, or a 302 to
// no_answer_forward.
func (c *Call) startNoAnswer() {
	cfg := c.acct.cfg
	if cfg.NoAnswerDur <= 0 {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.ringTimer = c.afterFunc(cfg.NoAnswerDur, "no answer", func() {
		if fwd := cfg.NoAnswerForwardURI; fwd != nil {
			if c.redirectIncoming(302, fwd.String(), ReasonNoAnswer+": forwarded to "+fwd.String()) {
				c.log.Info("no answer: forwarded", "after", cfg.NoAnswerDur, "to", fwd.String())
			}
			return
		}
		if c.reject(480, "Temporarily Unavailable", ReasonNoAnswer) {
			c.log.Info("no answer", "after", cfg.NoAnswerDur)
		}
	})
}

// dropLateAnswer ends a dialog whose 200 came after the user gave the call up: ACK, then BYE.
// acked: the ACK has gone already.
func (c *Call) dropLateAnswer(dlg *sipgo.DialogClientSession, acked bool) {
	c.log.Info("answered after it was given up: BYE")
	if !acked {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := dlg.Ack(ctx)
		cancel()
		if err != nil {
			c.log.Warn("ACK to a late 200 failed", "error", err)
		}
	}
	target := dlg.InviteRequest.Recipient
	if ct := dlg.InviteResponse.Contact(); ct != nil {
		target = ct.Address
	}
	bye := sip.NewRequest(sip.BYE, target)
	bye.SetTransport(dlg.InviteRequest.Transport())
	c.acct.proxyNextHop(bye)
	if err := dlg.WriteRequest(bye); err != nil {
		c.log.Warn("BYE to a late 200 failed", "error", err)
	}
}

// noResponseReason words an INVITE that got no final answer, on one line.
func noResponseReason(err error) string {
	if errors.Is(err, sip.ErrTransactionTimeout) {
		return "no response (timeout)"
	}
	return "no response: " + strings.Join(strings.Fields(err.Error()), " ")
}
