package phone

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"

	"github.com/sipterm/sipterm/phone/config"
)

// fakeRegistrar answers like a registrar with digest auth: no credentials -> 401 with a new
// nonce; right credentials -> 200; wrong ones -> wrong (401 with a new nonce, or 403).
type fakeRegistrar struct {
	password string
	wrong    int // status for wrong credentials: 401 or 403
	staleAt  int // round (1-based) whose credentials are answered "stale" once
	rounds   int
	nonce    int
	chal     *digest.Challenge
}

func (f *fakeRegistrar) send(_ context.Context, req *sip.Request) (*sip.Response, error) {
	f.rounds++
	challengeRes := func(stale bool) *sip.Response {
		f.nonce++
		f.chal = &digest.Challenge{Realm: "lab", Nonce: fmt.Sprintf("n%d", f.nonce), QOP: []string{"auth"}, Stale: stale}
		res := sip.NewResponseFromRequest(req, 401, "Unauthorized", nil)
		res.AppendHeader(sip.NewHeader("WWW-Authenticate", f.chal.String()))
		return res
	}
	h := req.GetHeader("Authorization")
	if h == nil || f.chal == nil {
		return challengeRes(false), nil
	}
	if f.rounds == f.staleAt {
		return challengeRes(true), nil
	}
	cred, err := digest.ParseCredentials(h.Value())
	if err != nil {
		return nil, err
	}
	want, err := digest.Digest(f.chal, digest.Options{Method: req.Method.String(), URI: cred.URI,
		Username: cred.Username, Password: f.password, Count: cred.Nc, Cnonce: cred.Cnonce})
	if err != nil {
		return nil, err
	}
	if cred.Response == want.Response && cred.Nonce == f.chal.Nonce {
		return sip.NewResponseFromRequest(req, 200, "OK", nil), nil
	}
	if f.wrong == 403 {
		return sip.NewResponseFromRequest(req, 403, "Forbidden", nil), nil
	}
	return challengeRes(false), nil
}

func TestAuthedDo(t *testing.T) {
	tests := []struct {
		name       string
		password   string // the account's static password ("" = password_cmd below)
		cmdSecrets []string
		registrar  fakeRegistrar
		wantCode   int
		wantRounds int
		wantRuns   int // password_cmd runs
	}{
		{name: "right password", password: "pw", registrar: fakeRegistrar{password: "pw"}, wantCode: 200, wantRounds: 2},
		{name: "wrong static password is not retried", password: "bad", registrar: fakeRegistrar{password: "pw"}, wantCode: 401, wantRounds: 2},
		{name: "stale nonce: the same password again", password: "pw", registrar: fakeRegistrar{password: "pw", staleAt: 2}, wantCode: 200, wantRounds: 3},
		{name: "password_cmd once", cmdSecrets: []string{"pw"}, registrar: fakeRegistrar{password: "pw"}, wantCode: 200, wantRounds: 2, wantRuns: 1},
		{name: "rejected (401): password_cmd again", cmdSecrets: []string{"old", "pw"}, registrar: fakeRegistrar{password: "pw"}, wantCode: 200, wantRounds: 3, wantRuns: 2},
		{name: "rejected (403): password_cmd again, challenged afresh", cmdSecrets: []string{"old", "pw"}, registrar: fakeRegistrar{password: "pw", wrong: 403}, wantCode: 200, wantRounds: 4, wantRuns: 2},
		{name: "rejected twice: gives up after one more run", cmdSecrets: []string{"old", "older"}, registrar: fakeRegistrar{password: "pw"}, wantCode: 401, wantRounds: 3, wantRuns: 2},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg := &config.Account{Name: "a", Username: "alice", Password: tt.password}
			runs := filepath.Join(t.TempDir(), "runs")
			if tt.password == "" {
				// the n-th run prints the n-th secret
				var script strings.Builder
				fmt.Fprintf(&script, "echo x >> %q; n=$(wc -l < %q); ", runs, runs)
				for i, s := range tt.cmdSecrets {
					fmt.Fprintf(&script, "[ $n -eq %d ] && echo %s; ", i+1, s)
				}
				script.WriteString("true")
				cfg.PasswordCmd = script.String()
			}
			a := &Account{p: &Phone{log: slog.New(slog.NewTextHandler(io.Discard, nil))}, cfg: cfg, secret: secretCache{cfg: cfg}}
			reg := tt.registrar
			build := func() *sip.Request {
				return sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: "lab"})
			}
			_, res, err := a.authedDo(context.Background(), nil, build, reg.send)
			if err != nil {
				t.Fatal(err)
			}
			if res.StatusCode != tt.wantCode || reg.rounds != tt.wantRounds {
				t.Errorf("got %d after %d requests, want %d after %d", res.StatusCode, reg.rounds, tt.wantCode, tt.wantRounds)
			}
			if tt.password == "" {
				b, _ := os.ReadFile(runs)
				if n := strings.Count(string(b), "x"); n != tt.wantRuns {
					t.Errorf("password_cmd ran %d times, want %d", n, tt.wantRuns)
				}
			}
		})
	}
}
