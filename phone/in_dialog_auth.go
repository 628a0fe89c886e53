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
		if c.srvDlg != nil {
			return c.srvDlg.Do(ctx, r)
		}
		if c.cliDlg != nil {
			return c.cliDlg.Do(ctx, r)
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
func (c *Call) bye(ctx context.Context, srv *sipgo.DialogServerSession, cli *sipgo.DialogClientSession) error {
	target, ok := c.remoteTarget()
	if !ok {
		return errors.New("no remote target for BYE")
	}
	bye := sip.NewRequest(sip.BYE, target)
	c.acct.proxyNextHop(bye)
	var err error
	switch {
	case cli != nil && c.ackedByHand():
		// sipgo's dialog is not "confirmed" after an ACK sent by hand (prack.go)
		bye.SetTransport(cli.InviteRequest.Transport())
		var res *sip.Response
		if res, err = c.dialogDo(ctx, bye); err == nil && !res.IsSuccess() {
			err = fmt.Errorf("BYE: %d %s", res.StatusCode, res.Reason)
		}
		return err
	case srv != nil:
		bye.SetTransport(srv.InviteRequest.Transport())
		err = srv.WriteBye(ctx, bye)
	case cli != nil:
		bye.SetTransport(cli.InviteRequest.Transport())
		err = cli.WriteBye(ctx, bye)
	default:
		return nil
	}
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
