package phone

import (
	"errors"
	"fmt"
	"strings"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

// authState answers a registrar's digest challenge: the strongest algorithm offered
// (SHA-256 over MD5), qop=auth with a nonce count, and stale-nonce retries.
type authState struct {
	chal   *digest.Challenge
	header string // "Authorization" or "Proxy-Authorization"
	stale  bool
	count  int
}

// algorithmRank orders the algorithms we accept; higher is preferred.
var algorithmRank = map[string]int{"": 1, "MD5": 1, "SHA-256": 2}

func newAuthState(res *sip.Response) (*authState, error) {
	name, header := "WWW-Authenticate", "Authorization"
	if res.StatusCode == sip.StatusProxyAuthRequired {
		name, header = "Proxy-Authenticate", "Proxy-Authorization"
	}
	var best *digest.Challenge
	for _, h := range res.GetHeaders(name) {
		chal, err := digest.ParseChallenge(h.Value())
		if err != nil {
			continue
		}
		chal.Algorithm = strings.ToUpper(chal.Algorithm)
		rank, ok := algorithmRank[chal.Algorithm]
		if !ok || !digest.CanDigest(chal) {
			continue
		}
		if best == nil || rank > algorithmRank[best.Algorithm] {
			best = chal
		}
	}
	if best == nil {
		return nil, errors.New("no digest challenge we can answer (MD5 or SHA-256 with qop=auth)")
	}
	return &authState{chal: best, header: header, stale: best.Stale}, nil
}

// apply adds the credentials header to req.
func (a *authState) apply(req *sip.Request, user, password string) error {
	a.count++
	cred, err := digest.Digest(a.chal, digest.Options{
		Method: req.Method.String(), URI: req.Recipient.Addr(), Username: user, Password: password, Count: a.count,
	})
	if err != nil {
		return fmt.Errorf("computing digest: %w", err)
	}
	req.RemoveHeader(a.header)
	req.AppendHeader(sip.NewHeader(a.header, cred.String()))
	return nil
}
