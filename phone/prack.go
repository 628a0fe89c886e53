package phone

import (
	"context"
	"fmt"
	"math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/sdp"
)

// callExt is a call's state for the SIP extensions: 100rel/PRACK (RFC 3262) and session
// timers (RFC 4028). It has its own lock: its handlers run on sipgo's goroutines.
type callExt struct {
	mu sync.Mutex

	// callee: our reliable 18x waiting for its PRACK
	relRSeq   uint32
	prackDone chan struct{} // closed by the PRACK (nil: no reliable 18x sent)
	prackLost chan struct{} // closed when we stopped retransmitting without a PRACK
	pracked   bool
	abort     chan struct{} // closed by a hangup while the 200 waits for the PRACK
	abortWhy  string
	aborted   bool

	// caller: the reliable 18x we have PRACKed, and the early answer
	peerRSeq  uint32
	prackSent bool            // the dialog's CSeq moved past the INVITE's: ACK by hand (ackByHand)
	earlyNeg  *sdp.Negotiated // an answer that came in a 18x

	st sessionTimer

	// the last ACK for a re-INVITE, with its SDP (update.go)
	ackSeq  uint32
	ackBody []byte
}

// sendRinging sends 180 to a new INVITE: reliably (RSeq, Require: 100rel, retransmitted until
// the PRACK) when the caller requires 100rel, else once.
func (c *Call) sendRinging(dlg *sipgo.DialogServerSession, tx sip.ServerTransaction) error {
	req := dlg.InviteRequest
	if !hasOption(req, "Require", tag100rel) {
		return dlg.Respond(180, "Ringing", nil)
	}
	rseq := rand.Uint32N(1<<30) + 1 // RFC 3262 §3: start anywhere in 1..2**31-1, leave room to count up
	res := sip.NewResponseFromRequest(req, 180, "Ringing", nil)
	ct := c.contact(req.Transport())
	res.AppendHeader(&ct)
	res.AppendHeader(sip.NewHeader("Require", tag100rel))
	res.AppendHeader(sip.NewHeader("RSeq", strconv.FormatUint(uint64(rseq), 10)))
	c.ext.mu.Lock()
	c.ext.relRSeq = rseq
	c.ext.prackDone = make(chan struct{})
	c.ext.prackLost = make(chan struct{})
	c.ext.abort = make(chan struct{})
	done, lost := c.ext.prackDone, c.ext.prackLost
	c.ext.mu.Unlock()
	if err := tx.Respond(res); err != nil {
		return err
	}
	c.goCall("reliable 18x", func() { c.retransmitReliable(tx, res, done, lost) })
	return nil
}

// retransmitReliable resends a reliable 18x at T1, doubling, until its PRACK; after 64*T1
// without one the INVITE gets a 5xx (RFC 3262 §3) unless it was decided already.
func (c *Call) retransmitReliable(tx sip.ServerTransaction, res *sip.Response, done, lost chan struct{}) {
	interval := sip.T1
	timer := time.NewTimer(interval)
	defer timer.Stop()
	giveUp := time.NewTimer(64 * sip.T1)
	defer giveUp.Stop()
	for {
		select {
		case <-done:
			return
		case <-c.done:
			return
		case <-tx.Done():
			return
		case <-timer.C:
			if err := tx.Respond(res); err != nil {
				return
			}
			interval *= 2
			timer.Reset(interval)
		case <-giveUp.C:
			c.log.Warn("no PRACK for our reliable 180")
			close(lost)
			c.reject(500, "Server Internal Error (no PRACK)", "no PRACK for our reliable 180")
			return
		}
	}
}

// awaitPrack holds the 200 back until our reliable 18x is PRACKed. It returns the final
// response to send instead when the PRACK never came (RFC 3262 §3: 5xx) or we hung up meanwhile.
func (c *Call) awaitPrack() *decision {
	c.ext.mu.Lock()
	done, lost, abort := c.ext.prackDone, c.ext.prackLost, c.ext.abort
	c.ext.mu.Unlock()
	if done == nil {
		return nil
	}
	select {
	case <-done:
		return nil
	case <-lost:
		return &decision{code: 500, sipReason: "Server Internal Error (no PRACK)", why: "no PRACK for our reliable 180"}
	case <-abort:
		c.ext.mu.Lock()
		why := c.ext.abortWhy
		c.ext.mu.Unlock()
		return &decision{code: 486, sipReason: "Busy Here", why: why}
	case <-c.srvDlg.Context().Done():
		return nil // CANCEL or transaction end: the 200 path reports it
	}
}

// abortPrackWait: a hangup while the answer waits for a PRACK rejects the call instead.
func (c *Call) abortPrackWait(why string) {
	c.ext.mu.Lock()
	defer c.ext.mu.Unlock()
	if c.ext.abort != nil && !c.ext.aborted {
		c.ext.aborted, c.ext.abortWhy = true, why
		close(c.ext.abort)
	}
}

// onPrack acknowledges our reliable 18x: 200 when its RAck matches, else 481 (RFC 3262 §3).
func (p *Phone) onPrack(req *sip.Request, tx sip.ServerTransaction) {
	c := p.callBySIP(req)
	if c == nil || c.srvDlg == nil {
		respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	h := req.GetHeader("RAck")
	if h == nil {
		respond(p, req, tx, 400, "Bad Request (no RAck)")
		return
	}
	ra, err := parseRAck(h.Value())
	if err != nil {
		respond(p, req, tx, 400, "Bad Request ("+err.Error()+")")
		return
	}
	invite := c.srvDlg.InviteRequest.CSeq()
	c.ext.mu.Lock()
	ok := c.ext.prackDone != nil && ra.RSeq == c.ext.relRSeq && ra.CSeq == invite.SeqNo && ra.Method == sip.INVITE
	c.ext.mu.Unlock()
	if !ok {
		c.log.Warn("PRACK matches no reliable response", "rack", h.Value())
		respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
		return
	}
	c.log.Info("PRACK received", "rack", ra.String())
	// The PRACK's 200 goes out before the INVITE's 200 is released: a peer (SIPp) that waits for
	// them in that order must not see them cross.
	respond(p, req, tx, 200, "OK")
	c.ext.mu.Lock()
	if !c.ext.pracked {
		c.ext.pracked = true
		close(c.ext.prackDone)
	}
	c.ext.mu.Unlock()
}

// prackIfReliable PRACKs a reliable 18x on an outgoing call (RFC 3262 §4). It runs on the
// goroutine that waits for the INVITE's answer, which alone touches the dialog until then;
// only the PRACK's response is awaited elsewhere. Retransmissions (an RSeq not above the last
// one) are not PRACKed again.
func (c *Call) prackIfReliable(res *sip.Response) {
	h := res.GetHeader("RSeq")
	if h == nil || !hasOption(res, "Require", tag100rel) {
		return
	}
	rseq, err := parseRSeq(h.Value())
	if err != nil {
		c.log.Warn("reliable provisional response", "error", err)
		return
	}
	c.mu.Lock()
	dlg := c.cliDlg
	c.mu.Unlock()
	c.ext.mu.Lock()
	if c.ext.peerRSeq != 0 && rseq <= c.ext.peerRSeq {
		c.ext.mu.Unlock()
		return
	}
	c.ext.peerRSeq = rseq
	c.ext.prackSent = true
	c.ext.mu.Unlock()
	if dlg == nil {
		return
	}
	target := dlg.InviteRequest.Recipient
	if ct := res.Contact(); ct != nil {
		target = ct.Address
	}
	prack := sip.NewRequest(sip.PRACK, target)
	prack.AppendHeader(sip.NewHeader("RAck", rack{RSeq: rseq, CSeq: dlg.InviteRequest.CSeq().SeqNo, Method: sip.INVITE}.String()))
	c.keepTransport(prack)
	c.acct.proxyNextHop(prack)
	ctx, cancel := context.WithTimeout(c.p.ctx, 32*time.Second)
	tx, err := dlg.TransactionRequest(ctx, prack)
	if err != nil {
		cancel()
		c.log.Warn("sending PRACK failed", "error", err)
		return
	}
	c.goCall("PRACK", func() {
		defer cancel()
		defer tx.Terminate()
		for {
			select {
			case r := <-tx.Responses():
				if r.IsProvisional() {
					continue
				}
				c.log.Info("PRACK answered", "code", r.StatusCode, "rseq", rseq)
				return
			case <-tx.Done():
				c.log.Warn("PRACK got no answer", "rseq", rseq, "error", tx.Err())
				return
			case <-ctx.Done():
				return
			}
		}
	})
}

// ackByHand: once a PRACK went through the dialog, sipgo would stamp the ACK with the PRACK's
// CSeq (it numbers every request from one counter), so the ACK for the 200 is built here with
// the INVITE's CSeq (RFC 3261 §13.2.2.4). It returns false when sipgo's own Ack is right.
func (c *Call) ackByHand(dlg *sipgo.DialogClientSession) (bool, error) {
	c.ext.mu.Lock()
	byHand := c.ext.prackSent
	c.ext.mu.Unlock()
	if !byHand {
		return false, nil
	}
	inv, res := dlg.InviteRequest, dlg.InviteResponse
	target := inv.Recipient
	if ct := res.Contact(); ct != nil {
		target = ct.Address
	}
	ack := sip.NewRequest(sip.ACK, target)
	ack.AppendHeader(sip.HeaderClone(inv.From()))
	ack.AppendHeader(sip.HeaderClone(res.To()))
	ack.AppendHeader(sip.HeaderClone(inv.CallID()))
	ack.AppendHeader(&sip.CSeqHeader{SeqNo: inv.CSeq().SeqNo, MethodName: sip.ACK})
	mf := sip.MaxForwardsHeader(70)
	ack.AppendHeader(&mf)
	rr := res.GetHeaders("Record-Route")
	for i := len(rr) - 1; i >= 0; i-- {
		ack.AppendHeader(sip.NewHeader("Route", rr[i].Value()))
	}
	ack.SetTransport(inv.Transport())
	if r := ack.Route(); r != nil {
		ack.SetDestination(r.Address.HostPort())
	}
	c.acct.proxyNextHop(ack)
	ack.SetBody(nil)
	if err := c.p.clientFor(inv.Transport()).WriteRequest(ack, sipgo.ClientRequestAddVia); err != nil {
		return true, fmt.Errorf("sending ACK: %w", err)
	}
	return true, nil
}

// ackedByHand: the call's 200 was ACKed by ackByHand, so sipgo's dialog never became
// "confirmed" and a BYE must go as a plain in-dialog request.
func (c *Call) ackedByHand() bool {
	c.ext.mu.Lock()
	defer c.ext.mu.Unlock()
	return c.ext.prackSent
}

// finalAnswer is the SDP answer of an outgoing call: the 200's, or, when the 200 has none,
// the one that came in a reliable 18x (RFC 3262 §5: the offer/answer is done by then).
func (c *Call) finalAnswer(res *sip.Response, local sdp.Local) (sdp.Negotiated, error) {
	if body := res.Body(); len(body) > 0 {
		return sdp.ParseAnswer(body, local)
	}
	c.ext.mu.Lock()
	early := c.ext.earlyNeg
	c.ext.mu.Unlock()
	if early != nil {
		return *early, nil
	}
	return sdp.ParseAnswer(nil, local)
}
