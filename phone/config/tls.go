package config

import (
	"crypto/tls"
	"crypto/x509"
	"fmt"
	"net/netip"
	"os"
	"strings"
)

// validateTLS settles the account's transport and loads its CA file; it returns the offending
// key and what is wrong ("" when all is well).
func (a *Account) validateTLS() (key, msg string) {
	t := strings.ToLower(strings.TrimSpace(a.Transport))
	switch t {
	case "", "udp", "tcp", "tls":
	default:
		return "transport", fmt.Sprintf("unknown transport %q: want udp, tcp or tls", a.Transport)
	}
	// A sips: URI anywhere means TLS (RFC 3261 §26.2.2): never send it in clear text.
	for _, u := range []struct{ key, s string }{{"aor", a.AOR}, {"registrar", a.Registrar}, {"outbound_proxy", a.Proxy}} {
		if !strings.HasPrefix(strings.TrimPrefix(strings.TrimSpace(u.s), "<"), "sips:") {
			continue
		}
		if t != "" && t != "tls" {
			return "transport", fmt.Sprintf("transport %q with a sips: %s: sips: needs tls", a.Transport, u.key)
		}
		t = "tls"
	}
	if a.RegistrarURI != nil && a.RegistrarURI.UriParams != nil {
		if p, ok := a.RegistrarURI.UriParams.Get("transport"); ok && p != "" {
			p = strings.ToLower(p)
			if t != "" && t != p {
				return "transport", fmt.Sprintf("transport %q but the registrar says ;transport=%s", t, p)
			}
			t = p
		}
	}
	switch t {
	case "":
		t = "udp"
	case "udp", "tcp", "tls":
	default:
		return "registrar", fmt.Sprintf("unknown ;transport=%s: want udp, tcp or tls", t)
	}
	a.TransportName = t
	if t != "tls" {
		if a.CAFile != "" {
			return "ca_file", "ca_file is only for TLS (transport = \"tls\" or a sips: URI)"
		}
		if a.TLSInsecure {
			return "tls_insecure", "tls_insecure is only for TLS (transport = \"tls\" or a sips: URI)"
		}
		return "", ""
	}
	if a.CAFile != "" && a.TLSInsecure {
		return "tls_insecure", "set either ca_file (verify against this CA) or tls_insecure (verify nothing), not both"
	}
	if a.CAFile != "" {
		pool, err := LoadCAFile(a.CAFile)
		if err != nil {
			return "ca_file", err.Error()
		}
		a.CAPool = pool
	}
	return "", ""
}

// LoadCAFile reads PEM CA certificates into a pool; a file without any is an error.
func LoadCAFile(path string) (*x509.CertPool, error) {
	pem, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading CA file: %w", err)
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		return nil, fmt.Errorf("%s holds no PEM certificate", path)
	}
	return pool, nil
}

// validateListenTLS checks listen_tls and loads its certificate and key.
func (c *Config) validateListenTLS() (key, msg string) {
	if c.ListenTLS == "" {
		switch {
		case c.TLSCert != "":
			return "tls_cert", "tls_cert without listen_tls: set listen_tls too (e.g. \"0.0.0.0:5061\")"
		case c.TLSKey != "":
			return "tls_key", "tls_key without listen_tls: set listen_tls too (e.g. \"0.0.0.0:5061\")"
		}
		return "", ""
	}
	if _, err := netip.ParseAddrPort(c.ListenTLS); err != nil {
		return "listen_tls", fmt.Sprintf("bad address %q: want IP:PORT", c.ListenTLS)
	}
	if c.TLSCert == "" {
		return "tls_cert", "listen_tls needs a server certificate: set tls_cert and tls_key (PEM files)"
	}
	if c.TLSKey == "" {
		return "tls_key", "listen_tls needs the certificate's private key: set tls_key (PEM file)"
	}
	pair, err := tls.LoadX509KeyPair(c.TLSCert, c.TLSKey)
	if err != nil {
		return "tls_cert", fmt.Sprintf("loading certificate and key: %v", err)
	}
	c.TLSCertPair = &pair
	return "", ""
}
