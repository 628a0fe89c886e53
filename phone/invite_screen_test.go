package phone

import (
	"strconv"
	"testing"

	"github.com/emiago/sipgo/sip"
)

const screenInviteConfig = `
[[accounts]]
name = "direct"
aor = "sip:alice@127.0.0.1"
session_min_se = "120s"

[[policy]]
match_from = "spammer"
action = "reject"

[[policy]]
match_from = "moved"
action = "redirect"
target = "sip:elsewhere@127.0.0.1:5999"

[[policy]]
match_from = "friend"
action = "auto"
`

// newInvite is an INVITE to the direct account that passes every check unless a case changes it.
func newInvite(t *testing.T, callID string) *sip.Request {
	req := inviteTo(t, sip.INVITE, "sip:alice@127.0.0.1", "192.0.2.1:5060")
	cid := sip.CallIDHeader(callID)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "caller", Host: "192.0.2.1", Port: 5060}})
	return req
}

// TestScreenNewInvite: each check gives its code, reason phrase, headers and event text, in
// the order onInvite always applied them; the set-up slot is handed back whatever the verdict.
func TestScreenNewInvite(t *testing.T) {
	p := screenPhone(t, screenInviteConfig)
	p.setups.max = 1
	tests := []struct {
		name    string
		prep    func(p *Phone, req *sip.Request) (undo func())
		code    int
		reason  string
		header  string // "Name: value" the refusal carries
		why     string // the terminated event's text ("": no event)
		policy  int
		ruleN   int  // admitted: the matched rule
		slotted bool // a set-up slot was taken (leave set)
	}{
		{name: "admitted", slotted: true},
		{name: "admitted with a ring-side policy rule", prep: from("friend"), ruleN: 3, slotted: true},
		{name: "not ours", prep: func(_ *Phone, req *sip.Request) func() { req.Recipient.User = "bob"; return nil },
			code: 404, reason: "Not Found"},
		{name: "max_calls", prep: func(p *Phone, _ *sip.Request) func() {
			p.screen.maxCalls = 0
			return func() { p.screen.maxCalls = p.cfg.MaxCalls }
		}, code: 486, reason: "Busy Here"},
		{name: "overload", prep: func(p *Phone, _ *sip.Request) func() {
			leave := p.setups.leaver()
			p.setups.enter()
			return leave
		}, code: 503, reason: "Service Unavailable", header: "Retry-After: " + strconv.Itoa(overloadRetryS)},
		{name: "Require we do not implement", prep: header("Require", "foo, 100rel"), code: 420, reason: "Bad Extension",
			header: "Unsupported: foo", why: "the caller requires an extension we do not implement: foo", slotted: true},
		{name: "unreadable Session-Expires", prep: header("Session-Expires", "soon"), code: 400, slotted: true},
		{name: "Session-Expires below Min-SE", prep: header("Session-Expires", "90"), code: 422, reason: "Session Interval Too Small",
			header: "Min-SE: 120", why: "session interval 90 s is below our Min-SE 120 s", slotted: true},
		{name: "do not disturb", prep: func(p *Phone, _ *sip.Request) func() {
			p.dnd.Store(true)
			return func() { p.dnd.Store(false) }
		}, code: 486, reason: "Busy Here", why: ReasonDND, slotted: true},
		{name: "DND beats a loop and a bad request", prep: func(p *Phone, req *sip.Request) func() {
			p.dnd.Store(true)
			req.RemoveHeader("Contact")
			return func() { p.dnd.Store(false) }
		}, code: 486, reason: "Busy Here", why: ReasonDND, slotted: true},
		{name: "a Call-ID we already have", prep: func(p *Phone, req *sip.Request) func() {
			p.mu.Lock()
			p.bySIPID[req.CallID().Value()] = &Call{id: "7"}
			p.mu.Unlock()
			return func() { p.mu.Lock(); delete(p.bySIPID, req.CallID().Value()); p.mu.Unlock() }
		}, code: 482, reason: "Loop Detected", slotted: true},
		{name: "shutting down", prep: func(p *Phone, _ *sip.Request) func() {
			p.mu.Lock()
			p.closing = true
			p.mu.Unlock()
			return func() { p.mu.Lock(); p.closing = false; p.mu.Unlock() }
		}, code: 480, reason: "Temporarily Unavailable", why: "the phone is shutting down", slotted: true},
		{name: "no Contact", prep: func(_ *Phone, req *sip.Request) func() { req.RemoveHeader("Contact"); return nil },
			code: 400, reason: "Bad Request (no Contact)", why: "the INVITE has no Contact", slotted: true},
		{name: "offer that is not SDP", prep: func(_ *Phone, req *sip.Request) func() {
			req.SetBody([]byte("hello"))
			req.AppendHeader(sip.NewHeader("Content-Type", "text/plain"))
			return nil
		}, code: 415, reason: "Unsupported Media Type", header: "Accept: application/sdp",
			why: "the offer is not SDP: text/plain", slotted: true},
		{name: "Replaces unreadable", prep: header("Replaces", ";to-tag=a"), code: 400, reason: "Bad Request",
			why: `Replaces ";to-tag=a": no Call-ID`, slotted: true},
		{name: "Replaces names no call", prep: header("Replaces", "gone@host;to-tag=a;from-tag=b"), code: 481,
			reason: "Call/Transaction Does Not Exist", why: "Replaces names no call of ours", slotted: true},
		{name: "policy reject", prep: from("spammer"), code: 603, reason: "Decline", why: "rejected by policy rule 1", policy: 1, slotted: true},
		{name: "policy redirect", prep: from("moved"), code: 302, reason: "Moved Temporarily",
			header: "Contact: <sip:elsewhere@127.0.0.1:5999>", why: "redirected to sip:elsewhere@127.0.0.1:5999 by policy rule 2",
			policy: 2, slotted: true},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newInvite(t, "screen-"+tt.name)
			if tt.prep != nil {
				if undo := tt.prep(p, req); undo != nil {
					defer undo()
				}
			}
			adm, r := p.screenNewInvite(req)
			if (adm.leave != nil) != tt.slotted {
				t.Errorf("slot taken %v, want %v", adm.leave != nil, tt.slotted)
			}
			if adm.leave != nil {
				adm.leave()
			}
			if r.code != tt.code {
				t.Fatalf("code %d %q (%s), want %d", r.code, r.reason, r.why, tt.code)
			}
			if tt.code == 0 {
				if adm.acct == nil || adm.acct.cfg.Name != "direct" || adm.ruleN != tt.ruleN {
					t.Errorf("admission %+v, want account direct, rule %d", adm, tt.ruleN)
				}
				return
			}
			if tt.reason != "" && r.reason != tt.reason {
				t.Errorf("reason %q, want %q", r.reason, tt.reason)
			}
			if r.why != tt.why || r.policy != tt.policy {
				t.Errorf("event text %q policy %d, want %q %d", r.why, r.policy, tt.why, tt.policy)
			}
			var hdrs []string
			for _, h := range r.headers {
				hdrs = append(hdrs, h.Name()+": "+h.Value())
			}
			if (tt.header == "" && len(hdrs) > 0) || (tt.header != "" && (len(hdrs) != 1 || hdrs[0] != tt.header)) {
				t.Errorf("headers %q, want %q", hdrs, tt.header)
			}
			if adm.acct != nil {
				t.Errorf("a refusal admits account %s", adm.acct.cfg.Name)
			}
		})
		if p.setups.active != 0 {
			t.Fatalf("after case %d: %d set-up slots held, want 0", i, p.setups.active)
		}
	}
}

// TestSendRefusal: a refused call gets its one final response with the verdict's headers; only a
// stranger's 404 drops its transaction at once.
func TestSendRefusal(t *testing.T) {
	p := screenPhone(t, screenInviteConfig)
	tests := []struct {
		name       string
		r          refusal
		terminated bool
	}{
		{"stranger", refusal{code: 404, reason: "Not Found"}, true},
		{"busy", refusal{code: 486, reason: "Busy Here"}, false},
		{"overload", refusal{code: 503, reason: "Service Unavailable", headers: []sip.Header{sip.NewHeader("Retry-After", "5")}}, false},
		{"refused call", refusal{code: 420, reason: "Bad Extension", headers: []sip.Header{sip.NewHeader("Unsupported", "foo")}, why: "x"}, false},
		{"policy", refusal{code: 404, reason: "Not Found", why: "rejected by policy rule 1", policy: 1, action: "reject"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req := newInvite(t, "send-"+tt.name)
			tx := &recTx{fakeTx: newFakeTx(req)}
			p.sendRefusal(req, tx, tt.r)
			if len(tx.res) != 1 || tx.res[0].StatusCode != tt.r.code || tx.res[0].Reason != tt.r.reason {
				t.Fatalf("responses %v, want one %d %s", tx.res, tt.r.code, tt.r.reason)
			}
			for _, h := range tt.r.headers {
				if got := tx.res[0].GetHeader(h.Name()); got == nil || got.Value() != h.Value() {
					t.Errorf("%s: %v, want %s", h.Name(), got, h.Value())
				}
			}
			if tx.terminatedByTest() != tt.terminated {
				t.Errorf("transaction terminated %v, want %v", tx.terminatedByTest(), tt.terminated)
			}
		})
	}
}

// recTx keeps the responses themselves, headers and all.
type recTx struct {
	*fakeTx
	res []*sip.Response
}

func (tx *recTx) Respond(res *sip.Response) error {
	tx.res = append(tx.res, res)
	return tx.fakeTx.Respond(res)
}

func from(user string) func(*Phone, *sip.Request) func() {
	return func(_ *Phone, req *sip.Request) func() { req.From().Address.User = user; return nil }
}

func header(name, value string) func(*Phone, *sip.Request) func() {
	return func(_ *Phone, req *sip.Request) func() { req.AppendHeader(sip.NewHeader(name, value)); return nil }
}
