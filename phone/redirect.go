package phone

import (
	"fmt"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// maxRedirects bounds how many 3xx an outgoing call follows.
const maxRedirects = 5

// Redirect answers a ringing incoming call with 302 Moved Temporarily and target as Contact:
// the caller's phone calls target instead.
func (p *Phone) Redirect(id, target string) error {
	c, err := p.call(id, "redirect", incoming)
	if err != nil {
		return err
	}
	uri, err := resolveTarget(c.acct.cfg, target)
	if err != nil {
		return fmt.Errorf("redirect: %w", err)
	}
	if !c.redirectIncoming(302, uri.String(), "redirected to "+uri.String()) {
		return fmt.Errorf("call %s is not ringing (%s)", c.id, c.State())
	}
	return nil
}

// redirectIncoming hands a 3xx decision with a Contact to the parked INVITE handler; false if
// the call was already decided.
func (c *Call) redirectIncoming(code int, contact, why string) bool {
	c.mu.Lock()
	if c.decided || c.info.Direction != DirIn {
		c.mu.Unlock()
		return false
	}
	c.decided = true
	if c.autoTimer != nil {
		c.autoTimer.Stop()
	}
	c.mu.Unlock()
	c.decide <- decision{code: code, sipReason: reasonPhrase(code), why: why, contact: contact}
	return true
}

// redirectTarget picks where a 3xx sends an outgoing call: the first Contact that is a SIP URI
// not tried yet, within maxRedirects. ok=false says why the redirect is not followed.
func (c *Call) redirectTarget(res *sip.Response, first sip.Uri) (sip.Uri, string, bool) {
	ct := res.Contact()
	if ct == nil {
		return sip.Uri{}, "no Contact in the redirect", false
	}
	next := ct.Address
	next.Headers = nil
	if s := strings.ToLower(next.Scheme); s != "sip" && s != "sips" {
		return sip.Uri{}, "redirect to a non-SIP URI " + next.String(), false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.redirects) == 0 {
		c.redirects = append(c.redirects, first.Addr())
	}
	if len(c.redirects) > maxRedirects {
		return sip.Uri{}, fmt.Sprintf("more than %d redirects", maxRedirects), false
	}
	for _, seen := range c.redirects {
		if seen == next.Addr() {
			return sip.Uri{}, "redirect loop back to " + next.String(), false
		}
	}
	c.redirects = append(c.redirects, next.Addr())
	return next, "", true
}

// redirectRequest is the INVITE that follows a 3xx (RFC 3261 §8.1.3.4): the same Call-ID, From
// and To, the next CSeq, a new branch, sent to the new target.
func (c *Call) redirectRequest(last *sip.Request, res *sip.Response, target sip.Uri) *sip.Request {
	next := last.Clone()
	next.Recipient = target
	next.RemoveHeader("Via")
	next.RemoveHeader("Authorization")
	next.RemoveHeader("Proxy-Authorization")
	next.CSeq().SeqNo = res.CSeq().SeqNo + 1
	transport := c.acct.targetTransport(target)
	next.SetTransport(transport)
	a := c.acct.cfg
	switch {
	case a.ProxyURI != nil: // the Route to the proxy is kept; so is its destination
	case a.RegistrarURI != nil && strings.EqualFold(target.Host, a.AORURI.Host):
		next.SetDestination(a.RegistrarURI.HostPort())
	default:
		next.SetDestination("")
		next.SetDestination(next.Destination())
	}
	return next
}

// followRedirect turns a 3xx into the next INVITE, telling the user; nil when it is not followed.
func (c *Call) followRedirect(last *sip.Request, res *sip.Response) *sip.Request {
	first := last.Recipient
	target, why, ok := c.redirectTarget(res, first)
	if !ok {
		c.log.Info("redirect not followed", "code", res.StatusCode, "why", why)
		return nil
	}
	next := c.redirectRequest(last, res, target)
	c.log.Info("redirected", "code", res.StatusCode, "to", target.String())
	c.mu.Lock()
	c.info.Remote = target.String()
	c.mu.Unlock()
	c.setState(StateCalling, res.StatusCode, "redirected to "+target.String())
	c.p.notice("info", fmt.Sprintf("call %s redirected (%d %s) to %s", c.id, res.StatusCode, res.Reason, target.String()))
	return next
}
