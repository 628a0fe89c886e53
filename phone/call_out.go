package phone

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/config"
	"github.com/sipterm/sipterm/phone/sdp"
)

// EchoTarget is what a person dials to reach the built-in echo test.
const EchoTarget = "echo"

// resolveTarget turns what a person typed into a SIP URI: a full URI, user@host, or a bare
// number/user completed with the account's domain.
func resolveTarget(a *config.Account, target string) (sip.Uri, error) {
	target = strings.TrimSpace(target)
	if target == "" {
		return sip.Uri{}, errors.New("nothing to dial")
	}
	if !strings.Contains(target, "@") && !strings.HasPrefix(target, "sip:") && !strings.HasPrefix(target, "sips:") {
		target = target + "@" + a.AORURI.HostPort()
	}
	return config.ParseURI(target)
}

// Dial places a call from an account ("" = the first) and returns its id at once; progress
// comes as events. "echo" dials the built-in echo test.
func (p *Phone) Dial(account, target string) (string, error) {
	acct, err := p.account(account)
	if err != nil {
		return "", p.dialFailed(account, target, 404, err)
	}
	if strings.EqualFold(strings.TrimSpace(target), EchoTarget) {
		return p.dialEcho(acct)
	}
	uri, err := resolveTarget(acct.cfg, target)
	if err != nil {
		return "", p.dialFailed(acct.cfg.Name, target, 400, err)
	}
	return p.dialURI(acct, uri)
}

// dialURI places a call to uri; extra headers (Referred-By, Replaces) go into the INVITE.
func (p *Phone) dialURI(acct *Account, uri sip.Uri, extra ...sip.Header) (string, error) {
	sipCallID := sip.GenerateTagN(24) + "@sipterm"
	c := p.newCall(acct, DirOut, sipCallID, uri.String(), acct.cfg.AORURI.String())
	c.peerIP = dialTarget(acct.cfg, uri)
	c.outDone = make(chan struct{})
	if err := c.newMedia(); err != nil {
		return "", p.dialFailed(acct.cfg.Name, uri.String(), 503, err)
	}
	req := sip.NewRequest(sip.INVITE, uri)
	from := &sip.FromHeader{Address: acct.cfg.AORURI, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	to := &sip.ToHeader{Address: uri, Params: sip.NewParams()}
	to.Address.UriParams = nil
	cid := sip.CallIDHeader(sipCallID)
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: 1, MethodName: sip.INVITE})
	req.AppendHeader(sip.NewHeader("Allow", allowedMethods))
	for _, h := range sessionRequestHeaders(c.askedSE(), c.minSE()) {
		req.AppendHeader(h)
	}
	req.AppendHeader(sip.NewHeader("User-Agent", p.userAgent()))
	req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
	for _, h := range extra {
		req.AppendHeader(h)
	}
	transport := acct.targetTransport(uri)
	req.SetTransport(transport)
	acct.routeOutOfDialog(req, uri)
	req.SetBody(sdp.Offer(c.local))
	if err := p.register(c); err != nil {
		c.media.Close()
		return "", p.dialFailed(acct.cfg.Name, uri.String(), 503, err)
	}
	c.log.Info("dialing", "to", uri.String(), "account", acct.cfg.Name)
	p.publish(EventCall{Call: c.Info()})
	holds := p.takeOver(c) // the call we are in goes on hold first
	ctx, cancel := context.WithCancel(p.ctx)
	c.mu.Lock()
	c.cancelInvite = cancel
	gone := c.info.State == StateTerminated // hung up already
	c.mu.Unlock()
	if gone {
		cancel()
	}
	c.startRingTimeout(cancel)
	c.goCall("INVITE", func() {
		defer close(c.outDone)
		defer cancel()
		p.waitAtMost(holds, holdWait)
		c.runOutgoing(ctx, req, transport)
	})
	return c.id, nil
}

// runOutgoing drives an outgoing INVITE to its final response (the call's own goroutine).
// Challenges are answered by the account's digest client (authedDo), like REGISTER's: each
// round is a new INVITE transaction with the same Call-ID and From tag and the next CSeq.
func (c *Call) runOutgoing(ctx context.Context, req *sip.Request, transport string) {
	dua := c.dialogUA(transport)
	var dlg *sipgo.DialogClientSession
	var sendErr error // the failure of the last round, with its context
	rounds := 0
	build := func() *sip.Request {
		rounds++
		if rounds == 1 {
			return req
		}
		next := req.Clone()
		next.RemoveHeader("Via")
		next.CSeq().SeqNo = req.CSeq().SeqNo + uint32(rounds-1)
		return next
	}
	send := func(ctx context.Context, r *sip.Request) (*sip.Response, error) {
		if dlg != nil {
			dlg.Close()
		}
		d, err := dua.WriteInvite(ctx, r)
		if err != nil {
			sendErr = err
			return nil, sendError("INVITE", r.Destination(), err)
		}
		dlg = d
		c.mu.Lock()
		c.cliDlg = d
		c.mu.Unlock()
		err = d.WaitAnswer(ctx, sipgo.AnswerOptions{OnResponse: func(res *sip.Response) error {
			c.onProvisional(res)
			return nil
		}})
		var de *sipgo.ErrDialogResponse
		switch {
		case err == nil:
			c.setPeerTag(toTag(d.InviteResponse))
			return d.InviteResponse, nil
		case errors.As(err, &de):
			return de.Res, nil
		}
		sendErr = err
		return nil, err
	}
	_, res, err := c.acct.authedDo(ctx, nil, build, send)
	if err == nil && res != nil && res.StatusCode == 422 {
		// RFC 4028 §7.3: once more with the Min-SE the callee asked for
		if next := c.retryAfter422(req, res, rounds); next != nil {
			req, rounds = next, 0
			_, res, err = c.acct.authedDo(ctx, nil, build, send)
		}
	}
	if dlg != nil {
		defer dlg.Close()
	}
	if err != nil && sendErr == nil { // the digest itself failed (no password, password_cmd error)
		c.finish(403, fmt.Sprintf("authentication: %v", err))
		return
	}
	if dlg == nil {
		c.finish(503, err.Error())
		return
	}
	if err == nil && res.StatusCode >= 300 && res.StatusCode < 400 && c.State() != StateTerminated {
		if next := c.followRedirect(dlg.InviteRequest, res); next != nil {
			c.runOutgoing(ctx, next, next.Transport())
			return
		}
	}
	if err == nil && !res.IsSuccess() {
		c.finish(res.StatusCode, fmt.Sprintf("%d %s", res.StatusCode, res.Reason)+c.srtpHint(res.StatusCode))
		return
	}
	if err != nil {
		if r := dlg.InviteResponse; r != nil && r.IsSuccess() {
			c.dropLateAnswer(dlg, false) // the 200 crossed our CANCEL
		}
		switch {
		case errors.Is(err, context.Canceled):
			c.mu.Lock()
			why := c.info.Reason
			c.mu.Unlock()
			if why == "" || c.p.ctx.Err() != nil {
				why = "local hangup"
			}
			c.finish(487, "cancelled before answer ("+why+")")
		default:
			code := 408
			if dlg.InviteResponse != nil && dlg.InviteResponse.StatusCode >= 300 {
				code = dlg.InviteResponse.StatusCode
			}
			c.finish(code, noResponseReason(err))
		}
		return
	}
	// 200 OK: our ACK must go even if the answer is unusable (then BYE at once).
	actx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	c.mu.Lock()
	local := c.local
	c.mu.Unlock()
	neg, nerr := c.finalAnswer(dlg.InviteResponse, local)
	if byHand, err := c.ackByHand(dlg); err != nil {
		c.log.Warn("sending ACK failed", "error", err)
	} else if !byHand {
		if err := dlg.Ack(actx); err != nil {
			c.log.Warn("sending ACK failed", "error", err)
		}
	}
	if c.State() == StateTerminated { // given up (hangup, ring_timeout) as the 200 came
		c.dropLateAnswer(dlg, true)
		return
	}
	if nerr != nil {
		code, why := c.unusableAnswer("200 OK", nerr)
		_ = dlg.Bye(actx)
		c.finish(code, why)
		return
	}
	if err := c.applyMedia(neg); err != nil {
		c.log.Error("media", "error", err)
	}
	c.setState(StateEstablished, 200, "answered")
	c.sessionAsUAC(dlg.InviteResponse, true)
}

// onProvisional follows 180/183: ringing (with ringback) or early media.
func (c *Call) onProvisional(res *sip.Response) {
	if !res.IsProvisional() || res.StatusCode == 100 || c.State() == StateTerminated {
		return
	}
	c.prackIfReliable(res)
	if body := res.Body(); len(body) > 0 {
		c.mu.Lock()
		local := c.local
		c.mu.Unlock()
		if neg, err := sdp.ParseAnswer(body, local); err == nil {
			c.ext.mu.Lock()
			c.ext.earlyNeg = &neg
			c.ext.mu.Unlock()
			if err := c.applyMedia(neg); err != nil {
				c.log.Warn("early media", "error", err)
			}
			c.setState(StateEarly, res.StatusCode, fmt.Sprintf("%d %s", res.StatusCode, res.Reason))
			return
		}
	}
	c.setState(StateRinging, res.StatusCode, fmt.Sprintf("%d %s", res.StatusCode, res.Reason))
	c.p.startRingback(c)
}

// routeOutOfDialog sends a request that starts a dialog or stands alone (INVITE, OPTIONS) the way
// the account reaches uri: through its outbound proxy, else to its registrar when uri is in the
// account's own domain, else straight to uri.
func (a *Account) routeOutOfDialog(req *sip.Request, uri sip.Uri) {
	switch {
	case a.cfg.ProxyURI != nil:
		a.viaProxy(req)
	case a.cfg.RegistrarURI != nil && strings.EqualFold(uri.Host, a.cfg.AORURI.Host):
		req.SetDestination(a.cfg.RegistrarURI.HostPort())
	}
}
