package phone

import (
	"time"

	"github.com/emiago/sipgo/sip"
)

// replacedCall finds the call an INVITE with Replaces (RFC 3891) takes over: nil and code 0
// when the INVITE has none; a refusal code when it names no call of ours we could give up.
func (p *Phone) replacedCall(req *sip.Request) (old *Call, code int, why string) {
	h := req.GetHeader("Replaces")
	if h == nil {
		return nil, 0, ""
	}
	rep, err := parseReplaces(h.Value())
	if err != nil {
		return nil, 400, err.Error()
	}
	p.mu.Lock()
	c := p.bySIPID[rep.CallID]
	p.mu.Unlock()
	if c == nil {
		return nil, 481, "Replaces names no call of ours"
	}
	// An early dialog is not replaced. RFC 3891 §3: one we did not initiate (an incoming call
	// still ringing) MUST get 481 and stay unchanged, so a stranger cannot hijack a ringing
	// call. One we placed (ringing out) could be taken over and CANCELled; we refuse that too
	// (481): nothing we send creates such an INVITE, and the early tags are not settled.
	if st := c.State(); !answered(st) {
		return nil, 481, "Replaces names a call that is not answered (" + string(st) + ")"
	}
	local, remote := c.tags()
	if local != rep.ToTag || remote != rep.FromTag {
		return nil, 481, "Replaces names no dialog of ours (tags differ)"
	}
	if rep.EarlyOnly {
		return nil, 486, "Replaces early-only names an answered call"
	}
	return c, 0, ""
}

// completeReplace answers the replacement call at once (the user already has this
// conversation) and ends the call it replaces once it is up.
func (p *Phone) completeReplace(c, old *Call) {
	c.log.Info("replaces call", "old", old.id)
	p.notice("info", "call "+c.id+" replaces call "+old.id)
	if err := c.answer(); err != nil {
		c.log.Warn("answering the replacement", "error", err)
		return
	}
	c.waitAnswered(10 * time.Second)
	if c.State() == StateTerminated {
		return
	}
	old.markEnd("replaced")
	old.hangupWith(0, "replaced")
}
