package phone

import (
	"errors"
	"fmt"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Our 200 to an INVITE, and its ACK. RFC 3261 §13.3.1.4 makes the UAS core (the phone, not the
// transaction) resend the 2xx until the ACK comes: at T1, then doubling up to T2 (0.5, 1.5, 3.5,
// 7.5, 11.5 ... s), for 64*T1.
//   - sipgo's dialog (v1.7.2, unchanged in v1.7.3) resends it through the INVITE transaction at
//     T1 and then every T2, and only while that transaction lives. The phone ends it at
//     acceptedLinger (memory.go: a finished transaction is held until Timer L by a timer sipgo
//     does not stop), so fill2xxRetransmits makes every send of the RFC's schedule after T1
//     itself, straight to the transport, and send2xx keeps waiting for the ACK after sipgo's
//     wait ended with the transaction (found by .ci/soak/loss.sh at 30 % loss: a lost 200 and a
//     lost first retransmission used to leave the caller 4 s without an answer).
//   - a caller whose ACK was lost may hang up before the next retransmission draws another ACK:
//     its BYE carries our To tag, so our 200 did arrive and the call was answered. It used to
//     end as 408 "no ACK for our 200 OK" after media had flowed for the whole call.

// fillSends are the offsets of the sends of our 200 after the first retransmission (sipgo's, at
// T1, while the transaction still lives): 3*T1, 7*T1, then every T2 until 64*T1.
var fillSends = func() []time.Duration {
	var at []time.Duration
	for t, step := sip.T1, 2*sip.T1; t+step < 64*sip.T1; step = min(2*step, sip.T2) {
		t += step
		at = append(at, t)
	}
	return at
}()

// answer200 builds the 200 to the INVITE as sipgo's Respond would (with the call's Contact), so
// that it exists before sipgo starts sending it and fill2xxRetransmits can send it too.
func (c *Call) answer200(body []byte, hdrs []sip.Header) *sip.Response {
	req := c.srvDlg.InviteRequest
	res := sip.NewResponseFromRequest(req, 200, "OK", body)
	for _, h := range hdrs {
		res.AppendHeader(h)
	}
	if res.Contact() == nil {
		ct := c.contact(req.Transport())
		res.AppendHeader(&ct)
	}
	c.mu.Lock()
	c.ok200 = res
	c.ackGiveUp = make(chan struct{})
	c.mu.Unlock()
	return res
}

// answeredWith is our 200 to the INVITE once it is built (nil before).
func (c *Call) answeredWith() *sip.Response {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.ok200
}

// giveUpAck ends send2xx's own wait for the ACK (a local hangup, the phone shutting down):
// the answer's handler then ends the call with a BYE.
func (c *Call) giveUpAck() {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.ackGiveUp:
	default:
		if c.ackGiveUp != nil {
			close(c.ackGiveUp)
		}
	}
}

// send2xx sends our 200 and waits for its ACK: sipgo's dialog sends it and waits while the
// INVITE transaction lives; once that has ended (acceptedLinger) the phone goes on resending
// (fill2xxRetransmits) and waiting until 64*T1 after the first send.
func (c *Call) send2xx(res *sip.Response) error {
	start := time.Now()
	c.mu.Lock()
	giveUp := c.ackGiveUp
	c.mu.Unlock()
	states := c.srvDlg.StateRead() // before the 200 goes out: the ACK may come at once
	stopFill := c.fill2xxRetransmits(res)
	defer stopFill()
	err := c.srvDlg.WriteResponse(res)
	if err == nil || !errors.Is(err, sip.ErrTransactionTerminated) {
		return err
	}
	deadline := time.NewTimer(time.Until(start.Add(64 * sip.T1)))
	defer deadline.Stop()
	for {
		switch c.srvDlg.LoadState() {
		case sip.DialogStateConfirmed:
			return nil
		case sip.DialogStateEnded:
			return fmt.Errorf("dialog ended before the ACK of our 200: %w", err)
		}
		select {
		case <-states:
		case <-deadline.C:
			return fmt.Errorf("no ACK within 64*T1: %w", err)
		case <-c.done:
			return fmt.Errorf("call ended before the ACK of our 200: %w", err)
		case <-giveUp:
			return fmt.Errorf("hung up while waiting for the ACK of our 200: %w", err)
		}
	}
}

// fill2xxRetransmits sends res at fillSends over unreliable transports until stop is called
// (the wait for the ACK is over) or the call ends. res must not change from now on.
func (c *Call) fill2xxRetransmits(res *sip.Response) (stop func()) {
	if sip.IsReliable(c.srvDlg.InviteRequest.Transport()) {
		return func() {}
	}
	done, finished := make(chan struct{}), make(chan struct{})
	start := time.Now()
	c.goCall("200 retransmits", func() {
		defer close(finished)
		for _, at := range fillSends {
			t := time.NewTimer(time.Until(start.Add(at)))
			select {
			case <-t.C:
			case <-done:
				t.Stop()
				return
			case <-c.done:
				t.Stop()
				return
			}
			if err := c.p.srv.WriteResponse(res); err != nil {
				c.log.Debug("re-sending 200 to INVITE", "error", err)
			}
		}
	})
	return func() {
		close(done)
		<-finished
	}
}

// noteByeBeforeAck runs on the caller's BYE before the dialog takes it: if our 200 is out and
// the call is not yet established, the ACK was lost; the call was answered all the same.
func (c *Call) noteByeBeforeAck() {
	c.mu.Lock()
	early := c.ok200 != nil && c.info.State == StateIncoming
	if early {
		c.byeBeforeAck = true
	}
	c.mu.Unlock()
	if early {
		c.log.Info("BYE before the ACK of our 200: the ACK was lost")
		c.setState(StateEstablished, 200, "answered")
	}
}

// byeCameBeforeAck: the wait for the ACK ended because of the caller's BYE.
func (c *Call) byeCameBeforeAck() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byeBeforeAck
}
