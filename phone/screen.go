package phone

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"sync"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// Why a request was refused: the keys of the counters in the debug reply.
const (
	refusedNotOurs       = "not_ours"           // Request-URI user is no account's user or alias
	refusedNotAllowedSrc = "not_allowed_source" // the account's user, from outside accept_from
	refusedRateLimited   = "rate_limited"       // over the per-source request rate: dropped
	refusedBusy          = "busy"               // max_calls reached
)

// The one answer for "no such user here". A right user from a source that may not call gets
// exactly this too: a scanner must not tell the two apart by code, reason or headers.
const (
	notFoundCode   = 404
	notFoundReason = "Not Found"
)

// screener decides which requests may reach the phone: it holds the limits, the addresses
// a registered account accepts calls from, and the refusal counters.
type screener struct {
	p        *Phone
	maxCalls int
	limiter  *rateLimiter
	resolve  func(ctx context.Context, host string) ([]netip.Addr, error)

	mu        sync.Mutex
	proxyNets map[*Account][]netip.Prefix // registrar/outbound proxy addresses, resolved
	counts    map[string]uint64
	logged    map[netip.Addr]bool // sources whose first refusal was logged
}

const maxLoggedSources = 4096

func newScreener(p *Phone) *screener {
	return &screener{
		p:        p,
		maxCalls: p.cfg.MaxCalls,
		limiter:  newRateLimiter(p.cfg.RateLimit, func() time.Time { return timeNow() }),
		resolve: func(ctx context.Context, host string) ([]netip.Addr, error) {
			return net.DefaultResolver.LookupNetIP(ctx, "ip", host)
		},
		proxyNets: map[*Account][]netip.Prefix{},
		counts:    map[string]uint64{},
		logged:    map[netip.Addr]bool{},
	}
}

// screenInvite decides on a new INVITE before any response goes out: code 0 means it may
// ring acct; otherwise answer code/reason and nothing else (no 1xx).
func (p *Phone) screenInvite(req *sip.Request) (acct *Account, code int, reason string) {
	acct, code, reason = p.screenRequest(req)
	if code != 0 {
		return nil, code, reason
	}
	if n := p.liveCalls(); n >= p.screen.maxCalls {
		src := requestSource(req)
		p.screen.count(refusedBusy)
		p.notice("warn", fmt.Sprintf("call from %s (%s) refused: 486 busy, %d calls is max_calls",
			req.From().Address.String(), src, p.screen.maxCalls))
		return nil, 486, "Busy Here"
	}
	return acct, 0, ""
}

// screenRequest finds the account an out-of-dialog request (INVITE, MESSAGE) is for: its
// Request-URI user must be an account's user or alias, and its source in that account's
// accept_from. Anything else gets the same 404.
func (p *Phone) screenRequest(req *sip.Request) (*Account, int, string) {
	src := requestSource(req)
	user := req.Recipient.User
	ours := false
	for _, a := range p.accounts {
		if !a.answersTo(user) {
			continue
		}
		ours = true
		if p.screen.allowed(a, src) {
			return a, 0, ""
		}
	}
	why := refusedNotOurs
	if ours {
		why = refusedNotAllowedSrc
	}
	p.screen.refuse(req, src, why)
	return nil, notFoundCode, notFoundReason
}

// answerRefusal sends a screening refusal. A 404 keeps no transaction: each copy of the
// request gets one answer, none is retransmitted. A stranger that never ACKs (svmap) or ACKs
// on a wrong branch (svwar) would otherwise get each 404 eleven times over 32 s, and a flood
// would hold thousands of transactions: a sender that missed the 404 retransmits its request
// and gets it again.
func (p *Phone) answerRefusal(req *sip.Request, tx sip.ServerTransaction, code int, reason string) {
	respond(p, req, tx, code, reason)
	if code == notFoundCode {
		tx.Terminate()
	}
}

// answersTo says whether a Request-URI user is this account's: its AOR user or an alias
// ("" as an alias: a URI with no user, the bare address).
func (a *Account) answersTo(user string) bool {
	if user != "" && user == a.cfg.AORURI.User {
		return true
	}
	for _, al := range a.cfg.Aliases {
		if al == user {
			return true
		}
	}
	return false
}

// allowed says whether src may call a: accept_from when given; else a direct-IP account
// takes calls from anywhere and a registered one only from its registrar/outbound proxy.
func (s *screener) allowed(a *Account, src netip.Addr) bool {
	if !src.IsValid() {
		return false
	}
	nets := a.cfg.AcceptNets
	if len(nets) == 0 {
		if a.cfg.RegistrarURI == nil {
			return true
		}
		s.mu.Lock()
		nets = s.proxyNets[a]
		s.mu.Unlock()
	}
	for _, n := range nets {
		if n.Contains(src) {
			return true
		}
	}
	return false
}

// resolveProxies learns the addresses of a's registrar and outbound proxy (at start and at
// each registration: DNS may move). A failed lookup keeps what was known.
func (s *screener) resolveProxies(ctx context.Context, a *Account) {
	if a.cfg.RegistrarURI == nil || len(a.cfg.AcceptNets) > 0 {
		return
	}
	hosts := []string{a.cfg.RegistrarURI.Host}
	if a.cfg.ProxyURI != nil {
		hosts = append(hosts, a.cfg.ProxyURI.Host)
	}
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	var nets []netip.Prefix
	for _, h := range hosts {
		addrs, err := s.resolve(ctx, h)
		if err != nil {
			s.p.log.Warn("resolving the registrar/proxy for accept_from", "account", a.cfg.Name, "host", h, "error", err)
			continue
		}
		for _, ip := range addrs {
			ip = ip.Unmap()
			nets = append(nets, netip.PrefixFrom(ip, ip.BitLen()))
		}
	}
	if len(nets) == 0 {
		return
	}
	s.mu.Lock()
	s.proxyNets[a] = nets
	s.mu.Unlock()
}

// refuse counts a refusal and logs it once per source: scanners send thousands.
func (s *screener) refuse(req *sip.Request, src netip.Addr, why string) {
	s.count(why)
	s.mu.Lock()
	first := !s.logged[src] && len(s.logged) < maxLoggedSources
	if first {
		s.logged[src] = true
	}
	s.mu.Unlock()
	if !first {
		return
	}
	s.p.log.Warn("refused a request (only the first from this source is logged)", "source", src,
		"reason", why, "method", req.Method, "to", req.Recipient.String(), "user_agent", userAgentOf(req))
	if why == refusedNotAllowedSrc {
		// Someone called a real user from where calls may not come from: a person should know.
		s.p.notice("warn", fmt.Sprintf("refused a call to %s from %s: that address is not in accept_from",
			req.Recipient.User, src))
	}
}

func (s *screener) count(why string) {
	s.mu.Lock()
	s.counts[why]++
	s.mu.Unlock()
}

// guard wraps a request handler with the per-source rate limit. Requests of a live call are
// never limited; new ones over the limit are dropped without an answer (a flood gets nothing
// to amplify, a scanner learns nothing).
func (p *Phone) guard(h sipgo.RequestHandler) sipgo.RequestHandler {
	return func(req *sip.Request, tx sip.ServerTransaction) {
		if p.refuseMalformed(req, tx) { // every handler reads From, To and Call-ID
			return
		}
		if p.screen.limiter != nil && p.callBySIP(req) == nil {
			src := requestSource(req)
			if !p.screen.limiter.allow(src) {
				p.screen.refuse(req, src, refusedRateLimited)
				return
			}
		}
		h(req, tx)
	}
}

// Refused returns the refusal counters by reason (not_ours, not_allowed_source, rate_limited,
// busy, overload), for the debug reply.
func (p *Phone) Refused() map[string]uint64 {
	p.screen.mu.Lock()
	defer p.screen.mu.Unlock()
	out := map[string]uint64{refusedNotOurs: 0, refusedNotAllowedSrc: 0, refusedRateLimited: 0, refusedBusy: 0, refusedOverload: 0}
	for k, v := range p.screen.counts {
		out[k] = v
	}
	return out
}

func (p *Phone) liveCalls() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return len(p.calls)
}

// requestSource is the address a request came from on the wire (never the Via, which the
// sender writes itself); invalid when unknown.
func requestSource(req *sip.Request) netip.Addr {
	ap, err := netip.ParseAddrPort(req.MessageData.Source())
	if err != nil {
		return netip.Addr{}
	}
	return ap.Addr().Unmap()
}

func userAgentOf(req *sip.Request) string {
	if h := req.GetHeader("User-Agent"); h != nil {
		return h.Value()
	}
	return ""
}
