package phone

import (
	"context"
	"errors"
	"fmt"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// dialogDoAuth sends an in-dialog request through the outbound proxy (if any) and answers a
// 401/407 (first: one already received) like every other request of the account. Each retry
// is the same request object with a new Via branch, the next CSeq (the dialog's) and the
// credentials, as RFC 3261 §22.2 asks.
func (c *Call) dialogDoAuth(ctx context.Context, req *sip.Request, first *sip.Response) (*sip.Response, error) {
	send := func(ctx context.Context, r *sip.Request) (*sip.Response, error) {
		c.acct.proxyNextHop(r)
		if d := c.dialog(); d != nil {
			return d.Do(ctx, r)
		}
		return nil, fmt.Errorf("call %s has no dialog", c.id)
	}
	sent := 0
	if first != nil {
		sent = 1 // req already went out once
	}
	build := func() *sip.Request {
		if sent > 0 {
			req.RemoveHeader("Via") // a new transaction; the dialog adds its Route set again
			for req.RemoveHeader("Route") {
			}
		}
		sent++
		return req
	}
	_, res, err := c.acct.authedDo(ctx, first, build, send)
	return res, err
}

// bye ends an answered call with a BYE through sipgo's dialog (which closes the dialog and its
// INVITE transaction), answering a challenge to it.
func (c *Call) bye(ctx context.Context, d dialog) error {
	target, ok := c.remoteTarget()
	if !ok {
		return errors.New("no remote target for BYE")
	}
	bye := sip.NewRequest(sip.BYE, target)
	c.acct.proxyNextHop(bye)
	if d == nil {
		return nil
	}
	bye.SetTransport(d.invite().Transport())
	if _, client := d.(clientDialog); client && c.ackedByHand() {
		// sipgo's dialog is not "confirmed" after an ACK sent by hand (prack.go)
		res, err := c.dialogDo(ctx, bye)
		if err == nil && !res.IsSuccess() {
			err = fmt.Errorf("BYE: %d %s", res.StatusCode, res.Reason)
		}
		return err
	}
	err := d.WriteBye(ctx, bye)
	var de sipgo.ErrDialogResponse
	if !errors.As(err, &de) || !isChallenge(de.Res) {
		return err
	}
	res, err := c.dialogDoAuth(ctx, bye, de.Res)
	if err != nil {
		return fmt.Errorf("answering the challenge to BYE: %w", err)
	}
	if !res.IsSuccess() {
		return fmt.Errorf("BYE: %d %s", res.StatusCode, res.Reason)
	}
	return nil
}
