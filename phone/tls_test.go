package phone

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/tls"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/config"
)

type testCA struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
	file string // PEM of cert
}

func newTestCA(t *testing.T, name string) *testCA {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: name},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	cert, _ := x509.ParseCertificate(der)
	file := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(file, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return &testCA{cert: cert, key: key, file: file}
}

// serverCert issues a server certificate for names (DNS names or IPs) valid from..until.
func (ca *testCA) serverCert(t *testing.T, names []string, from, until time.Time) tls.Certificate {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(time.Now().UnixNano()), Subject: pkix.Name{CommonName: names[0]},
		NotBefore: from, NotAfter: until, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
	}
	for _, n := range names {
		if ip := net.ParseIP(n); ip != nil {
			tmpl.IPAddresses = append(tmpl.IPAddresses, ip)
		} else {
			tmpl.DNSNames = append(tmpl.DNSNames, n)
		}
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		t.Fatal(err)
	}
	return tls.Certificate{Certificate: [][]byte{der}, PrivateKey: key}
}

// handshake dials a TLS server holding cert as sipgo does (ServerName = the host dialled).
func handshake(t *testing.T, cfg *tls.Config, cert tls.Certificate, serverName string) error {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", &tls.Config{Certificates: []tls.Certificate{cert}})
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	go func() {
		c, err := ln.Accept()
		if err == nil {
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	raw, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer raw.Close()
	cc := cfg.Clone()
	cc.ServerName = serverName
	return tls.Client(raw, cc).Handshake()
}

func tlsAccount(t *testing.T, aor, registrar, caFile string, insecure bool) config.Account {
	t.Helper()
	text := "[[accounts]]\naor = \"" + aor + "\"\nregistrar = \"" + registrar + "\"\ntransport = \"tls\"\n"
	if caFile != "" {
		text += "ca_file = \"" + caFile + "\"\n"
	}
	if insecure {
		text += "tls_insecure = true\n"
	}
	cfg, err := config.Parse("t.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return cfg.Accounts[0]
}

func TestTLSVerificationErrorsSayWhich(t *testing.T) {
	ca := newTestCA(t, "sipterm test CA")
	other := newTestCA(t, "some other CA")
	now := time.Now()
	good := ca.serverCert(t, []string{"127.0.0.1", "pbx.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	tests := []struct {
		name       string
		caFile     string
		insecure   bool
		cert       tls.Certificate
		serverName string
		want       string // "" = the handshake succeeds
	}{
		{"trusted CA, IP in SAN", ca.file, false, good, "127.0.0.1", ""},
		{"trusted CA, DNS name in SAN", ca.file, false, good, "pbx.test", ""},
		{"CA that did not sign", other.file, false, good, "127.0.0.1", `signed by an unknown authority (issuer "sipterm test CA")`},
		{"no ca_file: system roots only", "", false, good, "127.0.0.1", "unknown authority"},
		{"wrong host name", ca.file, false, good, "other.test", `for another host name ("other.test"; it names pbx.test, 127.0.0.1)`},
		{"wrong IP", ca.file, false, ca.serverCert(t, []string{"127.0.0.2"}, now.Add(-time.Hour), now.Add(time.Hour)), "127.0.0.1", "for another host name"},
		{"expired", ca.file, false, ca.serverCert(t, []string{"127.0.0.1"}, now.Add(-48*time.Hour), now.Add(-24*time.Hour)), "127.0.0.1", "has expired or is not yet valid (expired "},
		{"insecure accepts a stranger", "", true, other.serverCert(t, []string{"x.test"}, now.Add(-time.Hour), now.Add(time.Hour)), "127.0.0.1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			acct := tlsAccount(t, "sip:alice@127.0.0.1", "sip:127.0.0.1:5061", tt.caFile, tt.insecure)
			cfg, warnings, err := clientTLSConfig([]config.Account{acct})
			if err != nil {
				t.Fatal(err)
			}
			if tt.insecure != (len(warnings) > 0 && strings.Contains(strings.Join(warnings, "\n"), "NOT checked")) {
				t.Errorf("warnings %q for tls_insecure=%v", warnings, tt.insecure)
			}
			err = handshake(t, cfg, tt.cert, tt.serverName)
			if tt.want == "" {
				if err != nil {
					t.Fatalf("handshake failed: %v", err)
				}
				return
			}
			if err == nil {
				t.Fatal("handshake succeeded, want a verification failure")
			}
			// the same wrapping as sipgo's transport, then ours
			got := sendError("REGISTER", "127.0.0.1:5061", &wrapped{err}).Error()
			if !strings.Contains(got, tt.want) || !strings.HasPrefix(got, "REGISTER to 127.0.0.1:5061 failed: TLS: ") {
				t.Errorf("error %q, want it to contain %q", got, tt.want)
			}
		})
	}
}

// An insecure account on one host must not switch off the checks for another account's host.
func TestTLSInsecureOnlyForItsHost(t *testing.T) {
	ca := newTestCA(t, "sipterm test CA")
	other := newTestCA(t, "some other CA")
	now := time.Now()
	lax := tlsAccount(t, "sip:bob@lab.test", "sip:lab.test:5061", "", true)
	strict := tlsAccount(t, "sip:alice@pbx.test", "sip:pbx.test:5061", ca.file, false)
	cfg, _, err := clientTLSConfig([]config.Account{lax, strict})
	if err != nil {
		t.Fatal(err)
	}
	stranger := other.serverCert(t, []string{"pbx.test", "lab.test"}, now.Add(-time.Hour), now.Add(time.Hour))
	if err := handshake(t, cfg, stranger, "lab.test"); err != nil {
		t.Errorf("insecure host: %v", err)
	}
	err = handshake(t, cfg, stranger, "pbx.test")
	if d := describeTLSError(err, "pbx.test"); !strings.Contains(d, "unknown authority") {
		t.Errorf("strict host with a stranger's certificate: %v (%q)", err, d)
	}
	if err := handshake(t, cfg, ca.serverCert(t, []string{"pbx.test"}, now.Add(-time.Hour), now.Add(time.Hour)), "pbx.test"); err != nil {
		t.Errorf("strict host with its own certificate: %v", err)
	}
}

type wrapped struct{ err error }

func (w *wrapped) Error() string { return "TLS handshake error: " + w.err.Error() }
func (w *wrapped) Unwrap() error { return w.err }

func TestContactAndTransportPerAccount(t *testing.T) {
	p := &Phone{cfg: config.Defaults(), host: "192.0.2.10", port: 5110, tlsPort: 5111}
	tests := []struct {
		name, text       string
		contact, regTran string
		target, dialTran string
	}{
		{"udp", "aor = \"sip:a@pbx.test\"\nregistrar = \"sip:pbx.test\"", "sip:a@192.0.2.10:5110", "UDP", "sip:b@pbx.test", "UDP"},
		{"tcp", "aor = \"sip:a@pbx.test\"\nregistrar = \"sip:pbx.test\"\ntransport = \"tcp\"", "sip:a@192.0.2.10:5110;transport=tcp", "TCP", "sip:b@pbx.test", "TCP"},
		{"tls", "aor = \"sip:a@pbx.test\"\nregistrar = \"sip:pbx.test:5061\"\ntransport = \"tls\"", "sip:a@192.0.2.10:5111;transport=tls", "TLS", "sip:b@pbx.test", "TLS"},
		{"sips aor", "aor = \"sips:a@pbx.test\"\nregistrar = \"sips:pbx.test\"", "sips:a@192.0.2.10:5111", "TLS", "sips:b@pbx.test", "TLS"},
		{"udp account dials sips", "aor = \"sip:a@pbx.test\"", "sip:a@192.0.2.10:5110", "UDP", "sips:b@other.test", "TLS"},
		{"target transport param wins", "aor = \"sip:a@pbx.test\"\ntransport = \"tls\"", "sip:a@192.0.2.10:5111;transport=tls", "TLS", "sip:b@10.0.0.1;transport=tcp", "TCP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := config.Parse("t.toml", []byte("[[accounts]]\n"+tt.text+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			a := newAccount(p, &cfg.Accounts[0])
			ct := a.contactHeader("")
			if got := ct.Address.String(); got != tt.contact {
				t.Errorf("contact %q, want %q", got, tt.contact)
			}
			if a.cfg.RegistrarURI != nil {
				req := a.newRegister(300)
				if got := req.Transport(); got != tt.regTran {
					t.Errorf("REGISTER transport %q, want %q", got, tt.regTran)
				}
				if got := a.Info().Contact; got != tt.contact {
					t.Errorf("registration event contact %q, want %q", got, tt.contact)
				}
			}
			var target sip.Uri
			if err := sip.ParseUri(tt.target, &target); err != nil {
				t.Fatal(err)
			}
			if got := a.targetTransport(target); got != tt.dialTran {
				t.Errorf("INVITE transport %q, want %q", got, tt.dialTran)
			}
			if !a.ownsContact(&ct) {
				t.Errorf("our own contact %s is not recognised in a REGISTER response", ct.Address.String())
			}
			other := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "a", Host: "192.0.2.10", Port: 5999}}
			if a.ownsContact(&other) {
				t.Errorf("another port's contact is taken for ours")
			}
		})
	}
}
