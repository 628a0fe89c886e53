package phone

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strings"
	"time"

	"github.com/sipterm/sipterm/phone/config"
)

// clientTLSConfig builds the one TLS client configuration of the SIP stack (sipgo has one per
// user agent; it sets ServerName to the host it dials, so the host name is always checked).
// Trusted: the system roots plus every account's ca_file. tls_insecure turns checks off for the
// hosts of that account; a server reached by IP address cannot be told apart from another one
// here, so an insecure account with an IP-addressed server turns checks off for every server
// reached by IP (start-up says so).
func clientTLSConfig(accounts []config.Account) (cfg *tls.Config, warnings []string, err error) {
	roots, err := x509.SystemCertPool()
	if err != nil || roots == nil {
		roots = x509.NewCertPool()
		warnings = append(warnings, fmt.Sprintf("TLS: system root certificates unavailable (%v): only ca_file is trusted", err))
	}
	insecureHosts := map[string]bool{}
	insecureIP := false
	for i := range accounts {
		a := &accounts[i]
		if a.TransportName != "tls" {
			continue
		}
		if a.CAFile != "" {
			pem, err := os.ReadFile(a.CAFile)
			if err != nil {
				return nil, nil, fmt.Errorf("account %s: reading ca_file: %w", a.Name, err)
			}
			roots.AppendCertsFromPEM(pem)
		}
		if !a.TLSInsecure {
			continue
		}
		warnings = append(warnings, fmt.Sprintf("account %s: tls_insecure = true: TLS server certificates are NOT checked (anyone on the path can read and change its SIP)", a.Name))
		for _, h := range accountHosts(a) {
			if net.ParseIP(h) != nil {
				insecureIP = true
			}
			insecureHosts[strings.ToLower(h)] = true
		}
	}
	if insecureIP {
		warnings = append(warnings, "tls_insecure with a server given by IP address: certificates of every TLS server reached by IP address are not checked")
	}
	cfg = &tls.Config{MinVersion: tls.VersionTLS12, RootCAs: roots}
	if len(insecureHosts) == 0 {
		return cfg, warnings, nil
	}
	// Some hosts are exempt: the standard check is off, and VerifyConnection does it for the rest.
	cfg.InsecureSkipVerify = true
	cfg.VerifyConnection = func(cs tls.ConnectionState) error {
		host := strings.ToLower(cs.ServerName) // "" when the server was dialled by IP address
		if host == "" && insecureIP || insecureHosts[host] {
			return nil
		}
		if len(cs.PeerCertificates) == 0 {
			return errors.New("the TLS server sent no certificate")
		}
		opts := x509.VerifyOptions{Roots: roots, DNSName: host, Intermediates: x509.NewCertPool()}
		for _, c := range cs.PeerCertificates[1:] {
			opts.Intermediates.AddCert(c)
		}
		_, err := cs.PeerCertificates[0].Verify(opts)
		if err != nil {
			return &tls.CertificateVerificationError{UnverifiedCertificates: cs.PeerCertificates, Err: err}
		}
		return nil
	}
	return cfg, warnings, nil
}

// accountHosts are the servers an account talks to by its own configuration.
func accountHosts(a *config.Account) []string {
	hosts := []string{a.AORURI.Host}
	if a.RegistrarURI != nil {
		hosts = append(hosts, a.RegistrarURI.Host)
	}
	if a.ProxyURI != nil {
		hosts = append(hosts, a.ProxyURI.Host)
	}
	return hosts
}

// describeTLSError says in words why a TLS connection failed, naming the certificate problem
// (unknown authority, wrong host name, expired); "" when err is not a TLS verification failure.
func describeTLSError(err error, host string) string {
	var (
		unknown  x509.UnknownAuthorityError
		hostname x509.HostnameError
		invalid  x509.CertificateInvalidError
		verify   *tls.CertificateVerificationError
		alert    tls.AlertError
		recErr   tls.RecordHeaderError
	)
	switch {
	case errors.As(err, &unknown):
		who := "an unknown authority"
		if unknown.Cert != nil && unknown.Cert.Issuer.CommonName != "" {
			who = fmt.Sprintf("an unknown authority (issuer %q)", unknown.Cert.Issuer.CommonName)
		}
		return fmt.Sprintf("TLS: the certificate of %s is signed by %s: trust its CA with ca_file", host, who)
	case errors.As(err, &hostname):
		names := "no names"
		if c := hostname.Certificate; c != nil {
			var all []string
			all = append(all, c.DNSNames...)
			for _, ip := range c.IPAddresses {
				all = append(all, ip.String())
			}
			if len(all) > 0 {
				names = strings.Join(all, ", ")
			}
		}
		return fmt.Sprintf("TLS: the certificate of %s is for another host name (%q; it names %s)", host, hostname.Host, names)
	case errors.As(err, &invalid) && invalid.Reason == x509.Expired:
		when := ""
		if invalid.Cert != nil {
			if time.Now().Before(invalid.Cert.NotBefore) {
				when = " (not valid before " + invalid.Cert.NotBefore.UTC().Format(time.RFC3339) + ")"
			} else {
				when = " (expired " + invalid.Cert.NotAfter.UTC().Format(time.RFC3339) + ")"
			}
		}
		return fmt.Sprintf("TLS: the certificate of %s has expired or is not yet valid%s", host, when)
	case errors.As(err, &invalid):
		return fmt.Sprintf("TLS: the certificate of %s is not acceptable: %v", host, invalid.Error())
	case errors.As(err, &verify):
		return fmt.Sprintf("TLS: the certificate of %s failed verification: %v", host, verify.Err)
	case errors.As(err, &alert):
		return fmt.Sprintf("TLS: %s refused the handshake: %v", host, alert)
	case errors.As(err, &recErr):
		return fmt.Sprintf("TLS: %s does not speak TLS on that port", host)
	}
	return ""
}
