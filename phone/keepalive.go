package phone

import (
	"context"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Keep-alives hold the NAT binding of our SIP port open between registrations, so that the
// registrar can still reach us with an INVITE. Over UDP they are OPTIONS requests to the
// registrar (or outbound proxy), sent from the listening socket like every request: a CRLF
// would be cheaper, but the answer's Via tells us when the NAT gave us a new public address
// (then we register again at once), and it proves the server is still there. Over TCP/TLS
// the connection itself is the binding: a double CRLF (RFC 5626 §4.4.1) on it is enough.

// keepaliveLoop calls send every period until ctx ends. after is the clock (tests inject it).
func keepaliveLoop(ctx context.Context, period time.Duration, after func(time.Duration) <-chan time.Time, send func(context.Context)) {
	for {
		select {
		case <-ctx.Done():
			return
		case <-after(period):
		}
		send(ctx)
	}
}

// keepaliveTarget is where an account's keep-alives go: its outbound proxy, else its registrar.
func (a *Account) keepaliveTarget() *sip.Uri {
	if a.cfg.ProxyURI != nil {
		return a.cfg.ProxyURI
	}
	return a.cfg.RegistrarURI
}

// startKeepalive runs the account's keep-alives while the phone runs (keepalive = 0: none).
func (a *Account) startKeepalive() {
	if a.cfg.KeepaliveDur <= 0 || a.keepaliveTarget() == nil {
		return
	}
	ctx, cancel := context.WithCancel(a.p.ctx)
	a.p.goPhone("account "+a.cfg.Name+": keep-alive", func() {
		defer cancel()
		a.p.goPhone("account "+a.cfg.Name+": keep-alive until stopped", func() {
			select {
			case <-a.stopCh:
				cancel()
			case <-ctx.Done():
			}
		})
		keepaliveLoop(ctx, a.cfg.KeepaliveDur, time.After, a.sendKeepalive)
	})
}

func (a *Account) sendKeepalive(ctx context.Context) {
	target := *a.keepaliveTarget()
	transport := "UDP"
	if t, ok := target.UriParams.Get("transport"); ok && t != "" {
		transport = strings.ToUpper(t)
	}
	var err error
	if transport == "UDP" {
		err = a.keepaliveOptions(ctx, target)
	} else {
		err = a.keepaliveCRLF(ctx, target, transport)
	}
	if err != nil {
		a.p.log.Debug("keep-alive", "account", a.cfg.Name, "transport", transport, "error", err)
	}
}

// keepaliveOptions sends OPTIONS to the server and follows our public address in its answer.
func (a *Account) keepaliveOptions(ctx context.Context, target sip.Uri) error {
	target.User = ""
	req := sip.NewRequest(sip.OPTIONS, target)
	from := &sip.FromHeader{Address: a.cfg.AORURI, Params: sip.NewParams()}
	from.Params.Add("tag", sip.GenerateTagN(16))
	req.AppendHeader(from)
	req.AppendHeader(&sip.ToHeader{Address: target, Params: sip.NewParams()})
	req.AppendHeader(sip.NewHeader("User-Agent", a.p.userAgent()))
	ctx, cancel := context.WithTimeout(ctx, 8*time.Second)
	defer cancel()
	res, err := a.p.cli.Do(ctx, req)
	if err != nil {
		return fmt.Errorf("OPTIONS to %s: %w", target.HostPort(), err)
	}
	a.noticeVia(res)
	return nil
}

// keepaliveCRLF writes a double CRLF on the open connection to the server, if there is one.
func (a *Account) keepaliveCRLF(ctx context.Context, target sip.Uri, transport string) error {
	port := target.Port
	if port == 0 {
		port = 5060
		if transport == "TLS" {
			port = 5061
		}
	}
	ips, err := net.DefaultResolver.LookupNetIP(ctx, "ip", target.Host)
	if err != nil || len(ips) == 0 {
		return fmt.Errorf("resolving %s: %v", target.Host, err)
	}
	addr := net.JoinHostPort(ips[0].Unmap().String(), fmt.Sprint(port))
	conn, err := a.p.ua.TransportLayer().GetConnection(transport, addr)
	if err != nil || conn == nil {
		return fmt.Errorf("no %s connection to %s to keep alive", transport, addr)
	}
	defer conn.Ref(-1) // GetConnection took a reference
	w, ok := conn.(io.Writer)
	if !ok {
		return fmt.Errorf("%s connection to %s cannot take a raw write", transport, addr)
	}
	if _, err := w.Write([]byte("\r\n\r\n")); err != nil {
		return fmt.Errorf("CRLF keep-alive to %s: %w", addr, err)
	}
	return nil
}
