package phone

import (
	"time"

	"github.com/emiago/sipgo/sip"
)

// Our 200 to an INVITE on a lossy link (found by .ci/soak/loss.sh at 30 % loss):
//   - sipgo (v1.7.2, unchanged in v1.7.3) resends it at T1 and then only every T2 (4 s), where
//     RFC 3261 §13.3.1.4 doubles from T1 (0.5, 1, 2, 4 s): a lost 200 and a lost first
//     retransmission left the caller 4 s without an answer. fill2xxRetransmits adds the missing
//     sends.
//   - a caller whose ACK was lost may hang up before the next retransmission draws another ACK:
//     its BYE carries our To tag, so our 200 did arrive and the call was answered. It used to
//     end as 408 "no ACK for our 200 OK" after media had flowed for the whole call.

// fillSends are the offsets of the sends of our 200 that sipgo's schedule (T1, T1+T2, ...)
// leaves out of RFC 3261's (T1, 3*T1, 7*T1, 15*T1...) before its 4.5 s send.
var fillSends = []time.Duration{3 * sip.T1, 7 * sip.T1}

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
	c.answerSent = true
	c.mu.Unlock()
	return res
}

// fill2xxRetransmits sends res at fillSends over unreliable transports until stop is called
// (sipgo's wait for the ACK is over) or the call ends. res must not change from now on.
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
	early := c.answerSent && c.info.State == StateIncoming
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
