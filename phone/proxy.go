package phone

import "github.com/emiago/sipgo/sip"

// viaProxy sends an out-of-dialog request through the account's outbound_proxy (a loose
// Route to it, and the proxy as next hop); nothing changes without one.
func (a *Account) viaProxy(req *sip.Request) {
	if a.cfg.ProxyURI == nil {
		return
	}
	route := *a.cfg.ProxyURI
	route.UriParams = sip.NewParams()
	route.UriParams.Add("lr", "")
	req.AppendHeader(&sip.RouteHeader{Address: route})
	req.SetDestination(a.cfg.ProxyURI.HostPort())
}

// proxyNextHop makes an in-dialog request leave toward the outbound proxy too (as desk phones
// do: a proxy that record-routes puts itself first in the route set anyway, and one that does
// not may be the only way out of the network).
func (a *Account) proxyNextHop(req *sip.Request) {
	if a.cfg.ProxyURI != nil {
		req.SetDestination(a.cfg.ProxyURI.HostPort())
	}
}
