package phone

import (
	"net"
	"net/netip"
	"strings"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/config"
	"github.com/sipterm/sipterm/phone/sdp"
)

// IPv4 and IPv6: "0.0.0.0:5060" listens on IPv4 only, "[::]:5060" on both (a dual-stack
// socket), "[::1]:5060" or "[2001:db8::5]:5060" on IPv6 only. A call's address family is its
// peer's: the c= address of an incoming offer (else where the INVITE came from), the IP host
// of what we dial (else the phone's own address). Its SDP, RTP socket and, on a dual-stack
// listener, its Contact use an address of that family.

// listenNetworks are the socket networks for a SIP listen address: an IPv4 address is IPv4
// only (Go would make "0.0.0.0" a dual-stack socket), anything else as the address says.
func listenNetworks(ip netip.Addr) (udp, tcp string) {
	if ip.Unmap().Is4() {
		return "udp4", "tcp4"
	}
	return "udp", "tcp"
}

// bareHost drops the brackets sipgo keeps around an IPv6 host ("[::1]" -> "::1").
func bareHost(h string) string {
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		return h[1 : len(h)-1]
	}
	return h
}

// hostIP is a URI host as an IP address; invalid for a hostname.
func hostIP(h string) netip.Addr {
	ip, err := netip.ParseAddr(bareHost(h))
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap()
}

// sameHost compares URI hosts, with or without IPv6 brackets.
func sameHost(a, b string) bool {
	if ia, ib := hostIP(a), hostIP(b); ia.IsValid() || ib.IsValid() {
		return ia == ib
	}
	return strings.EqualFold(a, b)
}

// localIPToward finds the address the system would use toward peer (no packet is sent); the
// loopback of peer's family when there is no route.
func localIPToward(peer netip.Addr) netip.Addr {
	if c, err := net.Dial("udp", netip.AddrPortFrom(peer, 9).String()); err == nil {
		ap := c.LocalAddr().(*net.UDPAddr).AddrPort()
		c.Close()
		return ap.Addr().Unmap().WithZone("")
	}
	if peer.Is6() {
		return netip.IPv6Loopback()
	}
	return netip.MustParseAddr("127.0.0.1")
}

// sameFamily: both IPv4 or both IPv6.
func sameFamily(a, b netip.Addr) bool { return a.Unmap().Is4() == b.Unmap().Is4() }

// mediaAddrs picks, for a call whose peer is at peer (invalid: unknown), the address our SDP
// gives and the address its RTP socket binds. A peer of the phone's own family gets what the
// phone always used; a peer of the other family gets our address toward it.
func (p *Phone) mediaAddrs(peer netip.Addr) (advertise, bind netip.Addr) {
	listen := netip.IPv4Unspecified()
	if ap, err := netip.ParseAddrPort(p.cfg.Listen); err == nil {
		listen = ap.Addr().Unmap()
	}
	if !peer.IsValid() || peer.IsUnspecified() || sameFamily(peer, p.mediaIP) {
		if listen.IsUnspecified() {
			return p.mediaIP, listen
		}
		return p.mediaIP, p.mediaIP
	}
	advertise = localIPToward(peer)
	if listen.IsUnspecified() && listen.Is6() {
		return advertise, listen // dual-stack: one socket takes both families
	}
	return advertise, advertise
}

// familyHost is the Contact host for a call on a dual-stack ("[::]") listener: the call's own
// media address, of its peer's family. ok is false when the account's Contact applies as it is.
func (c *Call) familyHost() (host string, ok bool) {
	ap, err := netip.ParseAddrPort(c.p.cfg.Listen)
	if err != nil || !ap.Addr().Is6() || !ap.Addr().IsUnspecified() {
		return "", false
	}
	c.mu.Lock()
	ip := c.local.IP
	c.mu.Unlock()
	if !ip.IsValid() || ip.IsUnspecified() {
		return "", false
	}
	return ip.String(), true
}

// contact is the call's Contact header: the account's (its transport, sips:, the public
// address learnt behind a NAT), with the host of the call's address family on "[::]".
func (c *Call) contact(transport string) sip.ContactHeader {
	ct := c.acct.contactHeader(transport)
	if host, ok := c.familyHost(); ok {
		ct.Address.Host = host
	}
	return ct
}

func (c *Call) dialogUA(transport string) *sipgo.DialogUA {
	return &sipgo.DialogUA{Client: c.p.clientFor(transport), ContactHDR: c.contact(transport)}
}

// inviteOrigin is where an incoming call's media comes from: the offer's c= address, else
// the address the INVITE came from.
func inviteOrigin(req *sip.Request, offer []byte) netip.Addr {
	if len(offer) > 0 {
		if ip := sdp.ConnectionAddr(offer); ip.IsValid() && !ip.IsUnspecified() {
			return ip
		}
	}
	if ap, err := netip.ParseAddrPort(req.Source()); err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	return netip.Addr{}
}

// dialTarget is the IP an outgoing INVITE goes to (the proxy, the registrar for our own
// domain, else the URI's host); invalid for a hostname.
func dialTarget(a *config.Account, uri sip.Uri) netip.Addr {
	switch {
	case a.ProxyURI != nil:
		return hostIP(a.ProxyURI.Host)
	case a.RegistrarURI != nil && strings.EqualFold(uri.Host, a.AORURI.Host):
		return hostIP(a.RegistrarURI.Host)
	}
	return hostIP(uri.Host)
}

// ownAddr is the phone's address on an unspecified listen address: the one toward the first
// registrar, else toward the default route. 0.0.0.0 keeps it IPv4; [::] takes IPv6 when the
// host has no IPv4 route (an IPv6-only host).
func (p *Phone) ownAddr(listen netip.Addr) netip.Addr {
	reg := p.firstRegistrarHost()
	ip := guessLocalIP(reg)
	if listen.Is4() && !ip.Is4() {
		ip = guessLocalIP("")
	}
	// Only the fallback guess (no registrar to aim at) may give way to the host's IPv6 address
	// (an IPv6-only host); a registrar reached over IPv4 loopback keeps its address.
	if reg == "" && listen.Is6() && ip.IsLoopback() && ip.Is4() {
		if v6 := localIPToward(netip.MustParseAddr("2001:db8::1")); !v6.IsLoopback() {
			return v6
		}
	}
	return ip
}
