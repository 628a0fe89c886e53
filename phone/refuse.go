package phone

import "github.com/emiago/sipgo/sip"

// refuse answers a new INVITE with a final error response and says why in the one event every
// refused call gets: a `call` event in state terminated, direction in, with the SIP code and
// the true reason (for people and scripts: the SIP reason phrase is often vaguer). id is the
// call's id when one was already given out, else "" (a new one is taken).
func (p *Phone) refuse(req *sip.Request, tx sip.ServerTransaction, res *sip.Response, id, why string) {
	p.reply(req, tx, res)
	p.rememberRefused(req, res.StatusCode) // ended_dialogs.go
	now := timeNow()
	if id == "" {
		id = p.newCallID()
	}
	info := CallInfo{
		ID: id, Direction: DirIn, Local: req.Recipient.String(), State: StateTerminated,
		Code: res.StatusCode, Reason: why, Created: now, Ended: now,
	}
	if from := req.From(); from != nil {
		info.Remote = from.Address.String()
	}
	if a := p.accountFor(req); a != nil {
		info.Account = a.cfg.Name
	}
	p.log.Warn("incoming call refused", "call", id, "code", res.StatusCode, "reason", why, "from", info.Remote,
		"source", req.Source())
	p.publish(EventCall{Call: info})
}

// refuseCode is refuse with a plain response (code and reason phrase).
func (p *Phone) refuseCode(req *sip.Request, tx sip.ServerTransaction, code int, sipReason, id, why string) {
	p.refuse(req, tx, sip.NewResponseFromRequest(req, code, sipReason, nil), id, why)
}

// ctValue is the request's Content-Type ("none" if absent).
func ctValue(req *sip.Request) string {
	if ct := req.ContentType(); ct != nil {
		return ct.Value()
	}
	return "none"
}
