package phone

import (
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
	"github.com/icholy/digest"
)

func challenge(code int, headers ...string) *sip.Response {
	res := sip.NewResponse(code, "Unauthorized")
	name := "WWW-Authenticate"
	if code == 407 {
		name = "Proxy-Authenticate"
	}
	for _, h := range headers {
		res.AppendHeader(sip.NewHeader(name, h))
	}
	return res
}

func TestAuthStatePicksStrongestAndAnswers(t *testing.T) {
	tests := []struct {
		name      string
		res       *sip.Response
		algorithm string
		header    string
		stale     bool
		err       string
	}{
		{name: "md5 only", res: challenge(401, `Digest realm="r", nonce="n1", qop="auth"`), algorithm: "", header: "Authorization"},
		{name: "sha-256 preferred whatever the order", res: challenge(401, `Digest realm="r", nonce="n1", algorithm=MD5, qop="auth"`, `Digest realm="r", nonce="n2", algorithm=SHA-256, qop="auth"`), algorithm: "SHA-256", header: "Authorization"},
		{name: "proxy challenge", res: challenge(407, `Digest realm="r", nonce="n1", algorithm=md5`), algorithm: "MD5", header: "Proxy-Authorization"},
		{name: "stale nonce", res: challenge(401, `Digest realm="r", nonce="n3", stale=true, qop="auth"`), header: "Authorization", stale: true},
		{name: "unsupported only", res: challenge(401, `Digest realm="r", nonce="n", algorithm=AKAv1-MD5`), err: "no digest challenge"},
		{name: "no header", res: challenge(401), err: "no digest challenge"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := newAuthState(tt.res)
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("err = %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if st.chal.Algorithm != tt.algorithm || st.header != tt.header || st.stale != tt.stale {
				t.Fatalf("state %+v", st)
			}
			req := sip.NewRequest(sip.REGISTER, sip.Uri{Scheme: "sip", Host: "example.org"})
			if err := st.apply(req, "alice", "secret"); err != nil {
				t.Fatal(err)
			}
			h := req.GetHeader(tt.header)
			if h == nil {
				t.Fatalf("no %s header", tt.header)
			}
			cred, err := digest.ParseCredentials(h.Value())
			if err != nil {
				t.Fatal(err)
			}
			// Recompute the response independently of the code under test.
			want, err := digest.Digest(st.chal, digest.Options{Method: "REGISTER", URI: "sip:example.org", Username: "alice", Password: "secret", Count: cred.Nc, Cnonce: cred.Cnonce})
			if err != nil {
				t.Fatal(err)
			}
			if cred.Response != want.Response || cred.Username != "alice" {
				t.Fatalf("credentials %+v, want response %s", cred, want.Response)
			}
			if strings.Contains(MaskSecrets(h.Value()), cred.Response) {
				t.Fatal("mask leaves the digest response readable")
			}
		})
	}
}
