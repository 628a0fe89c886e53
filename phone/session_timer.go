package phone

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/sdp"
)

// sessionTimer is a call's RFC 4028 state (guarded by callExt.mu).
type sessionTimer struct {
	interval   time.Duration // 0: no session timer
	weRefresh  bool          // we are the refresher (else the peer is, and we watch it)
	peerUpdate bool          // the peer allows UPDATE: refresh with it instead of a re-INVITE
	timer      *time.Timer
}

// minSE is the shortest session interval the account accepts, in seconds.
func (c *Call) minSE() int { return int(c.acct.cfg.SessionMinSEDur / time.Second) }

// askedSE is the session interval we ask for, in seconds (0: we do not ask).
func (c *Call) askedSE() int { return int(c.acct.cfg.SessionTimerDur / time.Second) }

// shortSessionRefusal is a 422 with our Min-SE when the request's Session-Expires is below it
// (RFC 4028 §8.1); a Session-Expires we cannot read is a 400.
func shortSessionRefusal(req *sip.Request, acct *Account) refusal {
	se, has, err := headerSessionExpires(req)
	if err != nil {
		return refusal{code: 400, reason: "Bad Request (" + err.Error() + ")"}
	}
	minSE := int(acct.cfg.SessionMinSEDur / time.Second)
	if !has || se.Secs >= minSE {
		return refusal{}
	}
	return refusal{code: 422, reason: "Session Interval Too Small",
		headers: []sip.Header{sip.NewHeader("Min-SE", strconv.Itoa(minSE))},
		why:     fmt.Sprintf("session interval %d s is below our Min-SE %d s", se.Secs, minSE)}
}

// refuseShortSession answers an in-dialog request whose Session-Expires is below our Min-SE
// (422) or unreadable (400); false when it is fine. (A new INVITE is screened: shortSessionRefusal.)
func (p *Phone) refuseShortSession(req *sip.Request, tx sip.ServerTransaction, acct *Account) bool {
	r := shortSessionRefusal(req, acct)
	if r.code == 0 {
		return false
	}
	r.why = "" // in a call: no refused-call event
	p.sendRefusal(req, tx, r)
	return true
}

// sessionAsUAS negotiates the session timer from a request we answer with 2xx (the INVITE, a
// re-INVITE or an UPDATE, RFC 4028 §9) and returns the headers that go in our 2xx. The timer is
// (re)armed by the caller once the 2xx went out.
func (c *Call) sessionAsUAS(req *sip.Request) []sip.Header {
	se, has, _ := headerSessionExpires(req)
	c.ext.mu.Lock()
	defer c.ext.mu.Unlock()
	st := &c.ext.st
	if c.srvDlg != nil && req == c.srvDlg.InviteRequest { // the initial INVITE
		st.peerUpdate = allows(req, sip.UPDATE)
	}
	if has {
		interval := se.Secs
		if ours := c.askedSE(); ours > 0 && ours < interval {
			interval = max(ours, headerMinSE(req), c.minSE())
		}
		refresher := se.Refresher
		if refresher == "" {
			refresher = "uas"
			if hasOption(req, "Supported", tagTimer) {
				refresher = "uac" // the caller asked for timers and can refresh: let it
			}
		}
		st.interval = time.Duration(interval) * time.Second
		st.weRefresh = refresher == "uas"
	}
	if st.interval == 0 {
		return nil
	}
	refresher := "uac"
	if st.weRefresh {
		refresher = "uas"
	}
	hdrs := []sip.Header{
		sip.NewHeader("Session-Expires", sessionExpires{Secs: int(st.interval / time.Second), Refresher: refresher}.String()),
	}
	if hasOption(req, "Supported", tagTimer) || hasOption(req, "Require", tagTimer) {
		hdrs = append(hdrs, sip.NewHeader("Require", tagTimer))
	}
	return hdrs
}

// sessionAsUAC takes the session timer from a 2xx to our INVITE, re-INVITE or UPDATE (RFC 4028
// §7.2) and (re)arms it; none in the 2xx means no session timer.
func (c *Call) sessionAsUAC(res *sip.Response, initial bool) {
	se, has, err := headerSessionExpires(res)
	if err != nil {
		c.log.Warn("session timer", "error", err)
	}
	c.ext.mu.Lock()
	st := &c.ext.st
	if initial {
		st.peerUpdate = allows(res, sip.UPDATE)
	}
	if has {
		st.interval = time.Duration(se.Secs) * time.Second
		st.weRefresh = se.Refresher != "uas"
	} else if initial {
		st.interval = 0
	}
	c.ext.mu.Unlock()
	c.armSessionTimer()
}

// allows: does the message's Allow list the method?
func allows(m sip.Message, method sip.RequestMethod) bool {
	for _, h := range m.GetHeaders("Allow") {
		for _, v := range strings.Split(h.Value(), ",") {
			if strings.EqualFold(strings.TrimSpace(v), string(method)) {
				return true
			}
		}
	}
	return false
}

// armSessionTimer (re)starts the timer: as refresher at half the interval; otherwise the
// session expires at the interval less min(32 s, a third) (RFC 4028 §10).
func (c *Call) armSessionTimer() {
	c.ext.mu.Lock()
	defer c.ext.mu.Unlock()
	st := &c.ext.st
	if st.timer != nil {
		st.timer.Stop()
		st.timer = nil
	}
	if st.interval == 0 || c.State() == StateTerminated {
		return
	}
	if st.weRefresh {
		st.timer = c.afterFunc(st.interval/2, "session refresh", c.refreshSession)
		c.log.Debug("session timer: we refresh", "interval", st.interval)
		return
	}
	interval := st.interval
	st.timer = c.afterFunc(interval-min(32*time.Second, interval/3), "session expiry", func() {
		if c.State() == StateTerminated {
			return
		}
		c.log.Warn("session expired: the peer did not refresh", "interval", interval)
		c.hangupWith(0, "session expired")
	})
}

// stopSessionTimer ends the timer with the call.
func (c *Call) stopSessionTimer() {
	c.ext.mu.Lock()
	defer c.ext.mu.Unlock()
	if c.ext.st.timer != nil {
		c.ext.st.timer.Stop()
		c.ext.st.timer = nil
	}
}

// refreshSession sends our session refresh: UPDATE when the peer allows it, else a re-INVITE
// with our unchanged SDP (RFC 4028 §7.4); a 422 is retried once with the peer's Min-SE.
func (c *Call) refreshSession() {
	if c.State() == StateTerminated {
		return
	}
	target, ok := c.remoteTarget()
	if !ok {
		return
	}
	c.ext.mu.Lock()
	secs := int(c.ext.st.interval / time.Second)
	method := sip.INVITE
	if c.ext.st.peerUpdate {
		method = sip.UPDATE
	}
	c.ext.mu.Unlock()
	for attempt := 0; attempt < 2; attempt++ {
		c.mu.Lock()
		local := c.local
		c.mu.Unlock()
		req := sip.NewRequest(method, target)
		req.AppendHeader(sip.NewHeader("Session-Expires", sessionExpires{Secs: secs, Refresher: "uac"}.String()))
		req.AppendHeader(sip.NewHeader("Min-SE", strconv.Itoa(c.minSE())))
		req.AppendHeader(sip.NewHeader("Supported", supportedValue))
		ct := c.contact(c.transport())
		req.AppendHeader(&ct)
		if method == sip.INVITE {
			req.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
			req.SetBody(sdp.Offer(local))
		}
		ctx, cancel := context.WithTimeout(context.Background(), 32*time.Second)
		res, err := c.dialogDo(ctx, req)
		cancel()
		if err != nil {
			c.log.Warn("session refresh failed", "method", method, "error", err)
			return
		}
		if method == sip.INVITE && res.IsSuccess() {
			ack := sip.NewRequest(sip.ACK, target)
			ack.AppendHeader(&sip.CSeqHeader{SeqNo: req.CSeq().SeqNo, MethodName: sip.ACK})
			if err := c.dialogWrite(ack); err != nil {
				c.log.Warn("ACK to refresh re-INVITE failed", "error", err)
			}
			if neg, err := sdp.ParseAnswer(res.Body(), local); err == nil && neg.Remote != c.negotiated().Remote {
				_ = c.applyMedia(neg)
			}
		}
		switch {
		case res.IsSuccess():
			c.log.Info("session refreshed", "method", method, "interval", secs)
			c.sessionAsUAC(res, false)
			return
		case res.StatusCode == 422 && attempt == 0:
			if m := headerMinSE(res); m > secs {
				secs = m
				continue
			}
		case res.StatusCode == 408 || res.StatusCode == 481:
			// RFC 4028 §10: the session is gone
			c.goCall("hangup", func() { c.hangupWith(0, fmt.Sprintf("session refresh failed: %d %s", res.StatusCode, res.Reason)) })
			return
		}
		c.log.Warn("session refresh refused", "method", method, "code", res.StatusCode, "reason", res.Reason)
		return
	}
}

// negotiated is the call's current media negotiation.
func (c *Call) negotiated() sdp.Negotiated {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.neg
}

// transport is the call's SIP transport (its INVITE's).
func (c *Call) transport() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if d := c.dialog(); d != nil {
		return d.invite().Transport()
	}
	return "udp"
}

// sessionRequestHeaders go on our initial INVITE: what we support and the timer we ask for.
func sessionRequestHeaders(asked, minSE int) []sip.Header {
	hdrs := []sip.Header{sip.NewHeader("Supported", supportedValue)}
	if asked > 0 {
		hdrs = append(hdrs, sip.NewHeader("Session-Expires", strconv.Itoa(asked)),
			sip.NewHeader("Min-SE", strconv.Itoa(minSE)))
	}
	return hdrs
}

// retryAfter422 builds the INVITE again for a 422 (RFC 4028 §7.3): the next CSeq, a new
// branch, and Session-Expires raised to the callee's Min-SE; nil when that does not help.
func (c *Call) retryAfter422(req *sip.Request, res *sip.Response, rounds int) *sip.Request {
	want := headerMinSE(res)
	cur, _, _ := headerSessionExpires(req)
	if want == 0 || want <= cur.Secs {
		return nil
	}
	c.log.Info("422 Session Interval Too Small: retrying", "session_expires", want)
	next := req.Clone()
	next.RemoveHeader("Via")
	next.RemoveHeader("Session-Expires")
	next.RemoveHeader("Min-SE")
	next.AppendHeader(sip.NewHeader("Session-Expires", strconv.Itoa(want)))
	next.AppendHeader(sip.NewHeader("Min-SE", strconv.Itoa(want)))
	next.CSeq().SeqNo = req.CSeq().SeqNo + uint32(max(rounds, 1))
	return next
}

// addSessionHeaders puts the running session timer on a re-INVITE of ours (hold, resume): the
// refresher stays who it is, named from this request's point of view (we are its UAC).
func (c *Call) addSessionHeaders(req *sip.Request) {
	c.ext.mu.Lock()
	st := c.ext.st
	c.ext.mu.Unlock()
	if st.interval == 0 {
		return
	}
	refresher := "uas"
	if st.weRefresh {
		refresher = "uac"
	}
	req.AppendHeader(sip.NewHeader("Session-Expires", sessionExpires{Secs: int(st.interval / time.Second), Refresher: refresher}.String()))
	req.AppendHeader(sip.NewHeader("Min-SE", strconv.Itoa(c.minSE())))
	req.AppendHeader(sip.NewHeader("Supported", supportedValue))
}
