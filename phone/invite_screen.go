package phone

import (
	"strings"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/config"
)

// refusal is screening's verdict on a new INVITE: code 0 lets it ring; anything else is the one
// final response it gets, before any 1xx.
type refusal struct {
	code    int
	reason  string       // the status line's reason phrase
	headers []sip.Header // what the response must carry (Unsupported, Min-SE, Accept, Contact, Retry-After)
	// why is the text of the terminated call event a refused call gets; "" sends no event: a
	// stranger, a busy phone, an overload, a loop or an unreadable header are not calls.
	why    string
	policy int    // the answer-policy rule that refused (its policy event comes first); 0: none
	action string // that rule's action (reject, redirect)
}

// admission is what screening hands to accepting: whom the INVITE calls and how it is to go.
type admission struct {
	acct     *Account
	replaced *Call         // the call a Replaces takes over, nil if none
	rule     config.Policy // the answer-policy rule that matched (ruleN 0: none)
	ruleN    int           //
	leave    func()        // ends the set-up slot (overload gate) once the INVITE transaction is done
}

// screenNewInvite decides whether a new INVITE may ring, in the order the checks cost and
// matter: who it is for, overload, extensions, DND, loops, shutdown, the request's own shape,
// Replaces, and the answer policy. The side effects are the refusal counters, notices and the
// set-up slot: when leave is set, the caller ends it once the INVITE transaction is done.
func (p *Phone) screenNewInvite(req *sip.Request) (admission, refusal) {
	acct, code, reason := p.screenInvite(req)
	if code != 0 {
		return admission{}, refusal{code: code, reason: reason}
	}
	leave, r := p.admitSetup() // overload: a quick 503 rather than a queue
	if leave == nil {
		return admission{}, r
	}
	adm, r := p.screenAdmitted(req, acct)
	adm.leave = leave // the caller ends the slot after answering, refused or not
	return adm, r
}

// screenAdmitted is screening once the INVITE holds a set-up slot.
func (p *Phone) screenAdmitted(req *sip.Request, acct *Account) (admission, refusal) {
	if r := unsupportedRefusal(req); r.code != 0 {
		return admission{}, r
	}
	if r := shortSessionRefusal(req, acct); r.code != 0 {
		return admission{}, r
	}
	if r := p.dndRefusal(); r.code != 0 {
		return admission{}, r
	}
	if existing := p.callBySIP(req); existing != nil {
		// The same Call-ID without a To-tag: a retransmission that missed its transaction, or a
		// loop. The call that owns this Call-ID is already handling it.
		return admission{}, refusal{code: 482, reason: "Loop Detected"}
	}
	p.mu.Lock()
	closing := p.closing
	p.mu.Unlock()
	if closing {
		return admission{}, refusal{code: 480, reason: "Temporarily Unavailable", why: "the phone is shutting down"}
	}
	if req.Contact() == nil {
		return admission{}, refusal{code: 400, reason: "Bad Request (no Contact)", why: "the INVITE has no Contact"}
	}
	if len(req.Body()) > 0 {
		if ct := req.ContentType(); ct == nil || !strings.EqualFold(strings.TrimSpace(strings.Split(ct.Value(), ";")[0]), "application/sdp") {
			return admission{}, refusal{code: 415, reason: "Unsupported Media Type",
				headers: []sip.Header{sip.NewHeader("Accept", "application/sdp")}, why: "the offer is not SDP: " + ctValue(req)}
		}
	}
	replaced, code, why := p.replacedCall(req)
	if code != 0 {
		return admission{}, refusal{code: code, reason: reasonPhrase(code), why: why}
	}
	rule, ruleN := p.matchPolicy(req)
	if r := policyRefusal(rule, ruleN); r.code != 0 {
		return admission{}, r
	}
	return admission{acct: acct, replaced: replaced, rule: rule, ruleN: ruleN}, refusal{}
}

// sendRefusal answers a new INVITE that screening refused. A refusal with a why is a refused call
// (a terminated call event; a policy's event before it); one without is only answered, and a
// 404 keeps no transaction (answerRefusal says why).
func (p *Phone) sendRefusal(req *sip.Request, tx sip.ServerTransaction, r refusal) {
	p.rememberRefused(req, r.code) // ended_dialogs.go
	if r.why == "" && len(r.headers) == 0 {
		p.answerRefusal(req, tx, r.code, r.reason)
		return
	}
	res := sip.NewResponseFromRequest(req, r.code, r.reason, nil)
	for _, h := range r.headers {
		res.AppendHeader(h)
	}
	if r.why == "" {
		p.reply(req, tx, res)
		return
	}
	id := ""
	if r.policy != 0 {
		id = p.newCallID()
		p.publish(EventPolicy{ID: id, Rule: r.policy, Action: r.action})
	}
	p.refuse(req, tx, res, id, r.why)
}
