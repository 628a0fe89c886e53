package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"errors"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// writeSelfSigned writes a throwaway self-signed certificate and its key as PEM files.
func writeSelfSigned(t *testing.T) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "test CA"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour),
		IsCA: true, BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	certFile, keyFile = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	if err := os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

func TestTLSConfigErrors(t *testing.T) {
	cert, _ := writeSelfSigned(t)
	notPEM := filepath.Join(t.TempDir(), "junk.pem")
	if err := os.WriteFile(notPEM, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	acct := "[[accounts]]\naor = \"sip:a@example.org\"\n"
	tests := []struct {
		name, text string
		line       int
		key, msg   string
	}{
		{"unknown transport", acct + "transport = \"sctp\"\n", 3, "accounts[1].transport", "want udp, tcp or tls"},
		{"sips aor over udp", "[[accounts]]\naor = \"sips:a@example.org\"\ntransport = \"udp\"\n", 3, "accounts[1].transport", "sips: needs tls"},
		{"sips registrar over tcp", acct + "registrar = \"sips:example.org\"\ntransport = \"tcp\"\n", 4, "accounts[1].transport", "sips: needs tls"},
		{"registrar param disagrees", acct + "registrar = \"sip:example.org;transport=tcp\"\ntransport = \"tls\"\n", 4, "accounts[1].transport", ";transport=tcp"},
		{"ca_file without tls", acct + "ca_file = \"" + cert + "\"\n", 3, "accounts[1].ca_file", "only for TLS"},
		{"tls_insecure without tls", acct + "tls_insecure = true\n", 3, "accounts[1].tls_insecure", "only for TLS"},
		{"ca_file and tls_insecure", acct + "transport = \"tls\"\nca_file = \"" + cert + "\"\ntls_insecure = true\n", 5, "accounts[1].tls_insecure", "not both"},
		{"ca_file missing", acct + "transport = \"tls\"\nca_file = \"/nonexistent/ca.pem\"\n", 4, "accounts[1].ca_file", "no such file"},
		{"ca_file not PEM", acct + "transport = \"tls\"\nca_file = \"" + notPEM + "\"\n", 4, "accounts[1].ca_file", "no PEM certificate"},
		{"listen_tls bad", "listen_tls = \"localhost:5061\"\n", 1, "listen_tls", "bad address"},
		{"listen_tls without cert", "listen_tls = \"127.0.0.1:5061\"\n", 0, "tls_cert", "needs a server certificate"},
		{"listen_tls without key", "listen_tls = \"127.0.0.1:5061\"\ntls_cert = \"" + cert + "\"\n", 0, "tls_key", "private key"},
		{"cert without listen_tls", "tls_cert = \"" + cert + "\"\n", 1, "tls_cert", "without listen_tls"},
		{"key does not match", "listen_tls = \"127.0.0.1:5061\"\ntls_cert = \"" + cert + "\"\ntls_key = \"" + notPEM + "\"\n", 2, "tls_cert", "loading certificate"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("test.toml", []byte(tt.text))
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v (%T) is not a *config.Error", err, err)
			}
			if tt.line != 0 && ce.Line != tt.line {
				t.Errorf("line = %d, want %d (%v)", ce.Line, tt.line, err)
			}
			if ce.Key != tt.key {
				t.Errorf("key = %q, want %q (%v)", ce.Key, tt.key, err)
			}
			if !strings.Contains(err.Error(), tt.msg) {
				t.Errorf("message %q does not contain %q", err.Error(), tt.msg)
			}
		})
	}
}

func TestTLSConfigValid(t *testing.T) {
	cert, key := writeSelfSigned(t)
	tests := []struct {
		name, account string
		transport     string
		ca, insecure  bool
	}{
		{"default udp", `aor = "sip:a@example.org"`, "udp", false, false},
		{"explicit tcp", "aor = \"sip:a@example.org\"\ntransport = \"TCP\"", "tcp", false, false},
		{"sips aor", `aor = "sips:a@example.org"`, "tls", false, false},
		{"sips registrar", "aor = \"sip:a@example.org\"\nregistrar = \"sips:example.org\"", "tls", false, false},
		{"registrar transport param", "aor = \"sip:a@example.org\"\nregistrar = \"sip:example.org;transport=tls\"", "tls", false, false},
		{"tls with ca_file", "aor = \"sip:a@example.org\"\ntransport = \"tls\"\nca_file = \"" + cert + "\"", "tls", true, false},
		{"tls insecure", "aor = \"sip:a@example.org\"\ntransport = \"tls\"\ntls_insecure = true", "tls", false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("ok.toml", []byte("[[accounts]]\n"+tt.account+"\n"))
			if err != nil {
				t.Fatal(err)
			}
			a := cfg.Accounts[0]
			if a.TransportName != tt.transport {
				t.Errorf("transport = %q, want %q", a.TransportName, tt.transport)
			}
			if (a.CAPool != nil) != tt.ca {
				t.Errorf("CA pool loaded = %v, want %v", a.CAPool != nil, tt.ca)
			}
			if a.TLSInsecure != tt.insecure {
				t.Errorf("tls_insecure = %v", a.TLSInsecure)
			}
		})
	}
	cfg, err := Parse("ok.toml", []byte("listen_tls = \"127.0.0.1:5061\"\ntls_cert = \""+cert+"\"\ntls_key = \""+key+"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	if cfg.TLSCertPair == nil {
		t.Error("listen_tls: certificate not loaded")
	}
	if got := Defaults().Accounts[0].TransportName; got != "udp" {
		t.Errorf("default account transport = %q", got)
	}
}
