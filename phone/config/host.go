package config

import (
	"net/netip"
	"strings"
)

// validHost accepts a URI host: an IPv4 address, an IPv6 address in brackets (sipgo keeps
// them: "sip:bob@[::1]:5060" has host "[::1]"), or a hostname. A bare IPv6 address is
// refused: without brackets its colons cannot be told from the port's.
func validHost(h string) bool {
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		ip, err := netip.ParseAddr(h[1 : len(h)-1])
		return err == nil && ip.Is6() && ip.Zone() == ""
	}
	if ip, err := netip.ParseAddr(h); err == nil {
		return ip.Is4()
	}
	return validHostname(h)
}
