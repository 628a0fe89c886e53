package phone

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/config"
)

// Account is one configured identity; it registers itself when it has a registrar.
type Account struct {
	p   *Phone
	cfg *config.Account

	mu   sync.Mutex
	info AccountInfo

	// registration dialog state, kept across refreshes (RFC 3261 §10.2.4)
	callID  string
	fromTag string
	cseq    uint32

	stopCh chan struct{}
	done   chan struct{}
}

func newAccount(p *Phone, cfg *config.Account) *Account {
	state := RegNone
	registrar := ""
	if cfg.RegistrarURI != nil {
		state = RegUnregistered
		registrar = cfg.RegistrarURI.String()
	}
	return &Account{
		p:   p,
		cfg: cfg,
		info: AccountInfo{
			Name: cfg.Name, AOR: cfg.AORURI.String(), Registrar: registrar, State: state,
		},
		callID:  sip.GenerateTagN(24),
		fromTag: sip.GenerateTagN(16),
		cseq:    1,
		stopCh:  make(chan struct{}),
		done:    make(chan struct{}),
	}
}

// Info is a snapshot of the account.
func (a *Account) Info() AccountInfo {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.info
}

func (a *Account) setState(state RegState, code int, reason string, expires time.Time, lastErr string) {
	a.mu.Lock()
	changed := a.info.State != state || a.info.Code != code
	a.info.State, a.info.Code, a.info.Reason, a.info.Expires = state, code, reason, expires
	if lastErr != "" {
		a.info.LastError = lastErr
	}
	info := a.info
	a.mu.Unlock()
	if changed || state == RegRegistered {
		a.p.log.Info("registration", "account", a.cfg.Name, "state", state, "code", code, "reason", reason)
	}
	a.p.publish(EventRegistration{Account: info})
}

func (a *Account) start() {
	if a.cfg.RegistrarURI == nil {
		close(a.done)
		return
	}
	a.p.wg.Add(1)
	go func() {
		defer a.p.wg.Done()
		defer close(a.done)
		a.loop()
	}()
}

// loop keeps the account registered: refresh before expiry, back off and retry after failure.
func (a *Account) loop() {
	backoff := 2 * time.Second
	for {
		// accept_from's default (registrar/proxy only) follows DNS: resolve at each registration
		a.p.screen.resolveProxies(a.p.ctx, a)
		if a.Info().State != RegRegistered { // a refresh is not news
			a.setState(RegRegistering, a.Info().Code, "", time.Time{}, "")
		}
		// a REGISTER to a dead registrar must not hold up stop (quit) for its 32 s timeout
		regCtx, regCancel := a.untilStopped()
		granted, code, reason, err := a.register(regCtx, a.cfg.Expires)
		regCancel()
		if err != nil && a.stopping() { // cancelled by stop: no failure to report
			return
		}
		var wait time.Duration
		if err == nil && code >= 200 && code < 300 && granted > 0 {
			a.setState(RegRegistered, code, reason, timeNow().Add(granted), "")
			backoff = 2 * time.Second
			// refresh at about half-life (at least 5 s before expiry)
			wait = granted / 2
			if granted-wait < 5*time.Second {
				wait = max(granted-5*time.Second, time.Second)
			}
		} else {
			msg := reason
			if err != nil {
				msg = err.Error()
			}
			if code != 0 {
				msg = fmt.Sprintf("%d %s", code, reason)
			}
			a.setState(RegFailed, code, reason, time.Time{}, msg)
			wait = backoff
			backoff = min(backoff*2, 60*time.Second)
		}
		if !a.waitChecking(wait, err == nil && code >= 200 && code < 300) {
			return
		}
	}
}

// bindingCheckEvery is how often a registered account asks the registrar for its bindings, so
// that a registrar that restarted (and forgot us) or went away is noticed within seconds.
var bindingCheckEvery = 10 * time.Second

// waitChecking waits until the next refresh is due; while registered it checks the binding
// and returns early when it is gone. It reports false when the account stops.
func (a *Account) waitChecking(wait time.Duration, registered bool) bool {
	due := time.After(wait)
	var tick <-chan time.Time
	if registered {
		t := time.NewTicker(bindingCheckEvery)
		defer t.Stop()
		tick = t.C
	}
	for {
		select {
		case <-a.stopCh:
			return false
		case <-a.p.ctx.Done():
			return false
		case <-due:
			return true
		case <-tick:
			if why := a.checkBinding(); why != "" {
				a.p.log.Warn("registration lost", "account", a.cfg.Name, "why", why)
				a.setState(RegFailed, 0, why, time.Time{}, why)
				return true
			}
		}
	}
}

// checkBinding sends a REGISTER without Contact (a query, RFC 3261 §10.2.3) and says what is
// wrong ("" when our contact is still bound).
func (a *Account) checkBinding() string {
	ctx, cancel := context.WithTimeout(a.p.ctx, 10*time.Second)
	defer cancel()
	res, err := a.send(ctx, func() *sip.Request {
		req := a.newRegister(0)
		req.RemoveHeader("Contact")
		req.RemoveHeader("Expires")
		return req
	})
	if err != nil {
		return "registrar unreachable: " + err.Error()
	}
	if res.StatusCode < 200 || res.StatusCode >= 300 {
		return fmt.Sprintf("binding query refused: %d %s", res.StatusCode, res.Reason)
	}
	for _, h := range res.GetHeaders("Contact") {
		if c, ok := h.(*sip.ContactHeader); ok && c.Address.Host == a.p.host && c.Address.Port == a.p.port {
			return ""
		}
	}
	return "the registrar no longer has our contact"
}

// untilStopped is a context for the loop's REGISTERs that ends when the account stops.
func (a *Account) untilStopped() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(a.p.ctx)
	go func() {
		select {
		case <-a.stopCh:
			cancel()
		case <-ctx.Done():
		}
	}()
	return ctx, cancel
}

func (a *Account) stopping() bool {
	select {
	case <-a.stopCh:
		return true
	default:
		return false
	}
}

// stop un-registers (Expires: 0) if registered, and ends the loop.
func (a *Account) stop(ctx context.Context) {
	if a.cfg.RegistrarURI == nil {
		return
	}
	close(a.stopCh)
	select {
	case <-a.done:
	case <-ctx.Done():
		return
	}
	if a.Info().State != RegRegistered {
		return
	}
	uctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	_, code, reason, err := a.register(uctx, 0)
	if err != nil {
		a.setState(RegUnregistered, 0, err.Error(), time.Time{}, err.Error())
		return
	}
	a.setState(RegUnregistered, code, reason, time.Time{}, "")
}

// register sends one REGISTER (with digest auth when challenged) and returns the granted expiry.
func (a *Account) register(ctx context.Context, expires int) (granted time.Duration, code int, reason string, err error) {
	ctx, cancel := context.WithTimeout(ctx, 32*time.Second)
	defer cancel()
	for attempt := 0; attempt < 2; attempt++ {
		res, err := a.send(ctx, func() *sip.Request { return a.newRegister(expires) })
		if err != nil {
			return 0, 0, "", err
		}
		if res.StatusCode == 423 { // Interval Too Brief: ask again for at least Min-Expires
			if h := res.GetHeader("Min-Expires"); h != nil {
				if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil && n > expires && expires > 0 {
					expires = n
					continue
				}
			}
		}
		if res.StatusCode >= 200 && res.StatusCode < 300 {
			return a.grantedExpiry(res, expires), res.StatusCode, res.Reason, nil
		}
		return 0, res.StatusCode, res.Reason, nil
	}
	return 0, 0, "", errors.New("the registrar keeps asking for a longer expiry")
}

// send sends a REGISTER built by build, answering digest challenges (a new request, CSeq + 1,
// each round; a repeated challenge is only answered when the nonce went stale or changed).
func (a *Account) send(ctx context.Context, build func() *sip.Request) (*sip.Response, error) {
	password, err := a.cfg.Secret()
	if err != nil {
		return nil, err
	}
	var auth *authState
	for round := 0; round < 4; round++ {
		req := build()
		if auth != nil {
			if err := auth.apply(req, a.cfg.Username, password); err != nil {
				return nil, fmt.Errorf("answering the registrar's challenge: %w", err)
			}
		}
		res, err := a.p.cli.Do(ctx, req)
		if err != nil {
			return nil, fmt.Errorf("REGISTER to %s: %w", a.cfg.RegistrarURI.HostPort(), err)
		}
		if res.StatusCode != sip.StatusUnauthorized && res.StatusCode != sip.StatusProxyAuthRequired {
			return res, nil
		}
		next, err := newAuthState(res)
		if err != nil {
			return res, nil
		}
		if password == "" {
			return nil, errors.New("the registrar wants a password and the account has none")
		}
		if auth != nil && !next.stale && next.chal.Nonce == auth.chal.Nonce {
			return res, nil // credentials rejected
		}
		auth = next
	}
	return nil, errors.New("too many authentication rounds")
}

func (a *Account) newRegister(expires int) *sip.Request {
	reg := *a.cfg.RegistrarURI
	reg.User = ""
	req := sip.NewRequest(sip.REGISTER, reg)
	aor := a.cfg.AORURI
	from := &sip.FromHeader{Address: aor, Params: sip.NewParams()}
	from.Params.Add("tag", a.fromTag)
	to := &sip.ToHeader{Address: aor, Params: sip.NewParams()}
	cid := sip.CallIDHeader(a.callID)
	a.mu.Lock()
	a.cseq++
	seq := a.cseq
	a.mu.Unlock()
	contact := a.p.contact(aor.User, "")
	contact.Params = sip.NewParams()
	contact.Params.Add("expires", strconv.Itoa(expires))
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: sip.REGISTER})
	req.AppendHeader(&contact)
	req.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(expires)))
	req.AppendHeader(sip.NewHeader("Allow", allowedMethods))
	req.AppendHeader(sip.NewHeader("User-Agent", a.p.userAgent()))
	if t, ok := reg.UriParams.Get("transport"); ok && t != "" {
		req.SetTransport(strings.ToUpper(t))
	}
	return req
}

// grantedExpiry reads what the registrar granted for our contact (contact param, else Expires).
func (a *Account) grantedExpiry(res *sip.Response, asked int) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		if c, ok := h.(*sip.ContactHeader); ok && c.Address.Host == a.p.host && c.Address.Port == a.p.port {
			if v, ok := c.Params.Get("expires"); ok {
				if n, err := strconv.Atoi(v); err == nil {
					return time.Duration(n) * time.Second
				}
			}
		}
	}
	if h := res.GetHeader("Expires"); h != nil {
		if n, err := strconv.Atoi(strings.TrimSpace(h.Value())); err == nil {
			return time.Duration(n) * time.Second
		}
	}
	return time.Duration(asked) * time.Second
}

const allowedMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, REFER, UPDATE"
