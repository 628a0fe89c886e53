//go:build !linux

package media

import (
	"errors"
	"net"
	"net/netip"
	"time"
)

// Without the kernel's arrival stamps the linger reads on a goroutine (lingerOn) instead.

func stampArrivals(*net.UDPConn) error { return errors.ErrUnsupported }

func drainStamped(*net.UDPConn, func(time.Time, netip.AddrPort, []byte)) error {
	return errors.ErrUnsupported
}

func socketDrops(*net.UDPConn) (uint32, bool) { return 0, false }
