package phone

import (
	"context"
	"errors"
	"fmt"

	"github.com/emiago/sipgo/sip"
)

// sendFunc sends one request and returns its final response.
type sendFunc func(ctx context.Context, req *sip.Request) (*sip.Response, error)

// isChallenge: a 401/407 that asks for credentials.
func isChallenge(res *sip.Response) bool {
	return res != nil && (res.StatusCode == sip.StatusUnauthorized || res.StatusCode == sip.StatusProxyAuthRequired)
}

// authedDo is the one digest client for every request an account sends (REGISTER, INVITE,
// in-dialog requests): build makes a fresh request each round (new Via branch, next CSeq),
// send delivers it, and a 401/407 is answered with the account's credentials (authState:
// SHA-256 over MD5, qop, stale nonces). first, when not nil, is a challenge already received
// for this request. A challenge or 403 after our credentials means they were rejected: the
// cached secret is then resolved once more (password_cmd) before giving up. It returns the
// last request sent and its final response.
func (a *Account) authedDo(ctx context.Context, first *sip.Response, build func() *sip.Request, send sendFunc) (*sip.Request, *sip.Response, error) {
	r := authRound{a: a}
	var req *sip.Request
	res := first
	for round := 0; round < 6; round++ {
		if res != nil {
			done, err := r.next(res)
			if err != nil {
				return req, nil, err
			}
			if done {
				return req, res, nil
			}
		}
		req = build()
		if r.auth != nil {
			if err := r.auth.apply(req, a.cfg.Username, r.password); err != nil {
				return req, nil, fmt.Errorf("answering the %s challenge: %w", req.Method, err)
			}
		}
		var err error
		if res, err = send(ctx, req); err != nil {
			return req, nil, err
		}
	}
	return req, nil, errors.New("too many authentication rounds")
}

// authRound is the state of one authedDo exchange.
type authRound struct {
	a         *Account
	auth      *authState // what the next request answers (nil: no credentials)
	password  string
	refreshed bool // the secret was resolved again after a rejection
}

// next looks at a final response and prepares the next request's credentials; done when res
// is the answer to return (success, another failure, or credentials that stay rejected).
func (r *authRound) next(res *sip.Response) (done bool, err error) {
	chal, chalErr := newAuthState(res)
	rejected := r.auth != nil && (res.StatusCode == sip.StatusForbidden || isChallenge(res)) &&
		(chalErr != nil || !chal.stale) // stale: the same credentials, a fresh nonce
	if rejected {
		if r.refreshed || !r.a.secret.forget() {
			return true, nil
		}
		r.a.p.log.Info("credentials rejected: resolving the password again", "account", r.a.cfg.Name, "code", res.StatusCode)
		r.refreshed, r.password, r.auth = true, "", nil
		if !isChallenge(res) {
			return false, nil // a 403: send again without credentials to be challenged afresh
		}
	}
	if !isChallenge(res) || chalErr != nil {
		return true, nil
	}
	if r.password == "" {
		if r.password, err = r.a.secret.get(); err != nil {
			return true, err
		}
		if r.password == "" {
			return true, fmt.Errorf("%d %s: the server wants a password and account %s has none",
				res.StatusCode, res.Reason, r.a.cfg.Name)
		}
	}
	r.auth = chal
	return false, nil
}
