package phone

import (
	"crypto/tls"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// listenTLS opens the TLS listener of listen_tls (none when it is empty). An explicit address
// that is busy is an error: a TLS port that quietly moved would be unreachable.
func (p *Phone) listenTLS() error {
	if p.cfg.ListenTLS == "" {
		return nil
	}
	if p.cfg.TLSCertPair == nil {
		return errors.New("listen_tls needs tls_cert and tls_key")
	}
	ln, err := net.Listen("tcp", p.cfg.ListenTLS)
	if err != nil {
		return fmt.Errorf("opening the SIP TLS listener on %s: %w", p.cfg.ListenTLS, err)
	}
	p.tlsLn = tls.NewListener(ln, &tls.Config{
		MinVersion:   tls.VersionTLS12,
		Certificates: []tls.Certificate{*p.cfg.TLSCertPair},
	})
	ap := ln.Addr().(*net.TCPAddr).AddrPort()
	p.tlsPort = int(ap.Port())
	p.listen = append(p.listen, "tls:"+netip.AddrPortFrom(ap.Addr().Unmap(), ap.Port()).String())
	return nil
}

// sipTransport is the account's transport as sipgo names it: "UDP", "TCP" or "TLS".
func (a *Account) sipTransport() string {
	if a.cfg.TransportName == "" {
		return "UDP"
	}
	return strings.ToUpper(a.cfg.TransportName)
}

// targetTransport picks the transport for a request to uri: the URI's own ;transport= or
// sips: scheme, else the account's.
func (a *Account) targetTransport(uri sip.Uri) string {
	if t, ok := uri.UriParams.Get("transport"); ok && t != "" {
		return strings.ToUpper(t)
	}
	if uri.IsEncrypted() {
		return "TLS"
	}
	return a.sipTransport()
}

// sendError words a failure to send a request to host, naming a TLS certificate problem.
func sendError(what, host string, err error) error {
	if d := describeTLSError(err, host); d != "" {
		return &tlsError{msg: what + " to " + host + " failed: " + d, err: err}
	}
	if c := netCause(err); c != "" {
		return &netError{msg: what + " to " + host + ": " + c, err: err}
	}
	return fmt.Errorf("%s to %s: %w", what, host, err)
}

// tlsError is a TLS failure said in words, keeping the x509/tls error underneath.
type tlsError struct {
	msg string
	err error
}

func (e *tlsError) Error() string { return e.msg }
func (e *tlsError) Unwrap() error { return e.err }

// traceTransport names the transport of a traced message: sipgo labels TLS connections "TCP",
// so the top Via (ours on requests we send and their responses, the peer's on what it sends
// over that connection) tells TLS apart.
func traceTransport(label, msg string) string {
	if label != "TCP" {
		return label
	}
	via := headerValue(msg, "Via", "v")
	if proto, _, ok := strings.Cut(strings.TrimSpace(via), " "); ok && strings.EqualFold(proto, "SIP/2.0/TLS") {
		return "TLS"
	}
	return label
}

// keepTransport sends an in-dialog request over the transport of the dialog's INVITE (as sipgo
// does for BYE), so that a TLS call never goes on in clear text.
func (c *Call) keepTransport(req *sip.Request) {
	if req.MessageData.Transport() != "" {
		return
	}
	if d := c.dialog(); d != nil {
		req.SetTransport(d.invite().Transport())
	}
}
