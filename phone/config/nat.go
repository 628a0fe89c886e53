package config

import (
	"fmt"
	"net"
	"strconv"
	"time"
)

// DefaultKeepalive holds a typical NAT's UDP binding open (many expire after 30 s idle).
const DefaultKeepalive = 15 * time.Second

// validateNAT checks keepalive and stun_server and fills KeepaliveDur.
func (a *Account) validateNAT() *keyError {
	a.KeepaliveDur = DefaultKeepalive
	if a.Keepalive != "" {
		d, err := parseDelay(a.Keepalive)
		if err != nil {
			return &keyError{"keepalive", err.Error()}
		}
		if d > 0 && d < time.Second {
			return &keyError{"keepalive", fmt.Sprintf("%q is shorter than 1s (use \"0s\" to turn keep-alives off)", a.Keepalive)}
		}
		a.KeepaliveDur = d
	}
	if a.StunServer != "" {
		host, port, err := net.SplitHostPort(a.StunServer)
		if err != nil {
			host, port = a.StunServer, "3478"
		}
		n, perr := strconv.Atoi(port)
		if host == "" || perr != nil || n < 1 || n > 65535 || net.ParseIP(host) == nil && !validHostname(host) {
			return &keyError{"stun_server", fmt.Sprintf("bad STUN server %q: want HOST[:PORT]", a.StunServer)}
		}
		a.StunServer = net.JoinHostPort(host, port)
	}
	return nil
}
