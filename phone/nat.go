package phone

import (
	"context"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/google/uuid"
)

// natState is what an account knows about its address as its registrar sees it (RFC 3581):
// behind a NAT, our own host:port is private and the registrar could never reach it.
type natState struct {
	instance string         // +sip.instance (RFC 5626): a stable name for our binding
	public   netip.AddrPort // learnt from received/rport of a UDP response; invalid until then
	kick     chan struct{}  // a keep-alive saw the public address move: register again now
}

func newNATState() natState {
	return natState{
		instance: `"<urn:uuid:` + uuid.NewString() + `>"`,
		kick:     make(chan struct{}, 1),
	}
}

// viaAddress is where the top Via of a response says the request came from: received (or the
// Via host) and rport (or the Via port). ok is false when the Via carries no usable address.
func viaAddress(res *sip.Response) (ap netip.AddrPort, udp bool, ok bool) {
	via := res.Via()
	if via == nil {
		return netip.AddrPort{}, false, false
	}
	host := via.Host
	if v, has := via.Params.Get("received"); has && v != "" {
		host = v
	}
	ip, err := netip.ParseAddr(strings.Trim(host, "[]"))
	if err != nil {
		return netip.AddrPort{}, false, false
	}
	port := via.Port
	if v, has := via.Params.Get("rport"); has && v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > 65535 {
			return netip.AddrPort{}, false, false
		}
		port = n
	}
	if port == 0 {
		port = 5060
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(port)), strings.EqualFold(via.Transport, "UDP"), true
}

// contactMoved decides whether a response shows that our Contact is wrong: only over UDP (on a
// TCP/TLS connection rport is the connection's ephemeral port, and registrars reuse the
// connection anyway), and only when the address the registrar saw differs from our Contact.
func contactMoved(current netip.AddrPort, res *sip.Response) (netip.AddrPort, bool) {
	seen, udp, ok := viaAddress(res)
	if !ok || !udp || seen == current {
		return netip.AddrPort{}, false
	}
	return seen, true
}

// localAddr is our own Contact address (the listening socket).
func (a *Account) localAddr() netip.AddrPort {
	ip, err := netip.ParseAddr(a.p.host)
	if err != nil {
		ip = a.p.mediaIP
	}
	return netip.AddrPortFrom(ip, uint16(a.p.port))
}

// contactAddrLocked is the address we put in Contact: the public one once learnt.
func (a *Account) contactAddrLocked() netip.AddrPort {
	if a.nat.public.IsValid() {
		return a.nat.public
	}
	return a.localAddr()
}

func (a *Account) contactURILocked() string {
	if a.p.host == "" { // not started
		return ""
	}
	c := a.contactHeaderLocked("")
	return c.Address.String()
}

func (a *Account) instance() string { return a.nat.instance }

// contactHeader is this account's Contact (corrected to the public address over UDP).
func (a *Account) contactHeader(transport string) sip.ContactHeader {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.contactHeaderLocked(transport)
}

func (a *Account) contactHeaderLocked(transport string) sip.ContactHeader {
	if transport == "" {
		transport = a.cfg.TransportName
	}
	c := a.p.contact(a.cfg.AORURI.User, transport)
	if a.cfg.AORURI.Scheme == "sips" && strings.EqualFold(transport, "tls") {
		c.Address.Scheme = "sips"
		c.Address.UriParams = nil // sips: already means TLS (RFC 5630 deprecates ;transport=tls)
	}
	if a.nat.public.IsValid() && strings.EqualFold(transport, "udp") {
		c.Address.Host = a.nat.public.Addr().String()
		c.Address.Port = int(a.nat.public.Port())
	}
	return c
}

// ownsContact says whether a Contact in a registrar's answer is our binding: by our
// +sip.instance, or by address (our own, the learnt public one, or a registrar's received=), or
// as the Contact we register (its port is the TLS listener's for a TLS account with listen_tls).
func (a *Account) ownsContact(c *sip.ContactHeader) bool {
	a.mu.Lock()
	instance, public := a.nat.instance, a.nat.public
	a.mu.Unlock()
	if v, ok := c.Params.Get("+sip.instance"); ok && unquote(v) == unquote(instance) {
		return true
	}
	addrs := []netip.AddrPort{contactURIAddr(c.Address)}
	if v, ok := c.Params.Get("received"); ok {
		var u sip.Uri
		if err := sip.ParseUri(unquote(v), &u); err == nil {
			addrs = append(addrs, contactURIAddr(u))
		}
	}
	for _, ap := range addrs {
		if ap.IsValid() && (ap == a.localAddr() || public.IsValid() && ap == public) {
			return true
		}
	}
	ours := a.contactHeader("").Address
	return sameHost(c.Address.Host, ours.Host) && c.Address.Port == ours.Port
}

func contactURIAddr(u sip.Uri) netip.AddrPort {
	ip, err := netip.ParseAddr(strings.Trim(u.Host, "[]"))
	if err != nil {
		return netip.AddrPort{}
	}
	port := u.Port
	if port == 0 {
		port = 5060
	}
	return netip.AddrPortFrom(ip.Unmap(), uint16(port))
}

func unquote(s string) string { return strings.Trim(s, `"<>`) }

// correctContact follows the address a REGISTER's 2xx says we came from. When it is not our
// Contact (we are behind a NAT), the public address becomes our Contact for this account's
// registrations and calls, and the old binding is removed; it reports true so the caller
// registers again at once with the corrected Contact.
func (a *Account) correctContact(ctx context.Context, res *sip.Response) bool {
	a.mu.Lock()
	current := a.contactAddrLocked()
	seen, moved := contactMoved(current, res)
	if !moved {
		a.mu.Unlock()
		return false
	}
	old := a.contactHeaderLocked("")
	a.nat.public = seen
	a.mu.Unlock()
	a.p.log.Info("contact corrected from the registrar's Via (NAT)", "account", a.cfg.Name,
		"was", current.String(), "now", seen.String())
	// Remove the old binding (no +sip.instance: a registrar that matches bindings by instance
	// must not take it for the new one).
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if r, err := a.send(ctx, func() *sip.Request {
		req := a.newRegister(0)
		req.RemoveHeader("Contact")
		c := old
		c.Params = sip.NewParams()
		c.Params.Add("expires", "0")
		req.AppendHeader(&c)
		return req
	}); err != nil {
		a.p.log.Warn("removing the old binding", "account", a.cfg.Name, "error", err)
	} else if r.StatusCode >= 300 {
		a.p.log.Warn("removing the old binding", "account", a.cfg.Name, "code", r.StatusCode, "reason", r.Reason)
	}
	return true
}

// noticeVia is called with the answer to a keep-alive: when the public address moved (the NAT
// binding was lost and made anew), the account registers again at once.
func (a *Account) noticeVia(res *sip.Response) {
	a.mu.Lock()
	registered := a.info.State == RegRegistered
	_, moved := contactMoved(a.contactAddrLocked(), res)
	a.mu.Unlock()
	if !moved || !registered {
		return
	}
	select {
	case a.nat.kick <- struct{}{}:
	default:
	}
}
