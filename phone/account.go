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
	nat     natState // guarded by mu

	secret secretCache // the password, resolved once per session (secret.go)

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
			Transport: cfg.TransportName, TLSInsecure: cfg.TLSInsecure,
		},
		callID:  sip.GenerateTagN(24),
		fromTag: sip.GenerateTagN(16),
		cseq:    1,
		secret:  secretCache{cfg: cfg},
		nat:     newNATState(),
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
	a.info.Contact = a.contactURILocked()
	info := a.info
	a.mu.Unlock()
	if changed || state == RegRegistered {
		a.p.log.Info("registration", "account", a.cfg.Name, "state", state, "code", code, "reason", reason,
			"transport", info.Transport, "last_error", lastErr)
	}
	a.p.publish(EventRegistration{Account: info})
}

func (a *Account) start() {
	a.startKeepalive()
	if a.cfg.RegistrarURI == nil {
		close(a.done)
		return
	}
	a.p.goPhone("account "+a.cfg.Name+": registration", func() {
		defer close(a.done)
		a.loop()
	})
}

// loop keeps the account registered: refresh before expiry, back off and retry after failure.
func (a *Account) loop() {
	backoff := 2 * time.Second
	for {
		// accept_from's default (registrar/proxy only) follows DNS: resolve at each registration
		a.p.screen.resolveProxies(a.p.ctx, a)
		if a.Info().State != RegRegistered { // a refresh is not news
			a.setState(RegRegistering, a.Info().Code, "sending REGISTER", time.Time{}, "")
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
				reason = msg // e.g. which TLS certificate check failed: the event's reason says it too
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

// waitChecking waits until the next refresh is due and reports false when the account stops.
// There is no binding check between refreshes: each check was a challenged REGISTER (two
// transactions per check), which a provider's rate limiter notices; the refresh itself
// re-creates a binding that a restarted registrar forgot.
func (a *Account) waitChecking(wait time.Duration, _ bool) bool {
	due := time.NewTimer(wait)
	defer due.Stop()
	select {
	case <-a.stopCh:
		return false
	case <-a.p.ctx.Done():
		return false
	case <-due.C:
		return true
	case <-a.nat.kick: // a keep-alive saw our public address move: register it now
		return true
	}
}

// untilStopped is a context for the loop's REGISTERs that ends when the account stops.
func (a *Account) untilStopped() (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(a.p.ctx)
	a.p.goPhone("account "+a.cfg.Name+": REGISTER until stopped", func() {
		select {
		case <-a.stopCh:
			cancel()
		case <-ctx.Done():
		}
	})
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
	for attempt := 0; attempt < 3; attempt++ {
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
			if expires > 0 && a.correctContact(ctx, res) {
				continue // registered again at once with the public address
			}
			return a.grantedExpiry(res, expires), res.StatusCode, res.Reason, nil
		}
		return 0, res.StatusCode, res.Reason, nil
	}
	return 0, 0, "", errors.New("REGISTER did not settle: the registrar keeps asking for a longer expiry, or our public address keeps changing")
}

// send sends a REGISTER built by build, answering digest challenges (authedDo).
func (a *Account) send(ctx context.Context, build func() *sip.Request) (*sip.Response, error) {
	_, res, err := a.authedDo(ctx, nil, build, func(ctx context.Context, req *sip.Request) (*sip.Response, error) {
		res, err := a.p.clientFor(req.Transport()).Do(ctx, req)
		if err != nil {
			return nil, sendError("REGISTER", a.cfg.RegistrarURI.HostPort(), err)
		}
		return res, nil
	})
	return res, err
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
	contact := a.contactHeader("")
	a.mu.Lock()
	a.cseq++
	seq := a.cseq
	a.info.Contact = contact.Address.String()
	a.mu.Unlock()
	contact.Params = sip.NewParams()
	contact.Params.Add("expires", strconv.Itoa(expires))
	contact.Params.Add("+sip.instance", a.instance())
	req.AppendHeader(from)
	req.AppendHeader(to)
	req.AppendHeader(&cid)
	req.AppendHeader(&sip.CSeqHeader{SeqNo: seq, MethodName: sip.REGISTER})
	req.AppendHeader(&contact)
	req.AppendHeader(sip.NewHeader("Expires", strconv.Itoa(expires)))
	req.AppendHeader(sip.NewHeader("Allow", allowedMethods))
	req.AppendHeader(sip.NewHeader("User-Agent", a.p.userAgent()))
	req.SetTransport(a.sipTransport()) // never another transport than the account's
	a.viaProxy(req)
	return req
}

// grantedExpiry reads what the registrar granted for our contact (contact param, else Expires).
func (a *Account) grantedExpiry(res *sip.Response, asked int) time.Duration {
	for _, h := range res.GetHeaders("Contact") {
		if c, ok := h.(*sip.ContactHeader); ok && a.ownsContact(c) {
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

// allowedMethods lists exactly the methods we take (405 for other known ones, 501 for the
// rest: sipext.go). Whoever implements another method adds it here (REFER: the transfer work).
const allowedMethods = "INVITE, ACK, CANCEL, BYE, OPTIONS, INFO, NOTIFY, MESSAGE, PRACK, UPDATE, REFER"
