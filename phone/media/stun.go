package media

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/pion/stun/v3"
)

// MapRTP asks a STUN server (RFC 5389 Binding) from the RTP socket itself which public address
// the NAT gave that socket: the address to put in our SDP. Call it before Start (nothing else may
// read the socket then). Requests are re-sent every 500 ms until ctx ends.
func (s *Session) MapRTP(ctx context.Context, server string) (netip.AddrPort, error) {
	s.mu.Lock()
	started := s.started
	s.mu.Unlock()
	if started {
		return netip.AddrPort{}, ErrStarted
	}
	network := "udp4"
	if s.local.Addr().Is6() && !s.local.Addr().Is4In6() {
		network = "udp6"
	}
	dst, err := net.ResolveUDPAddr(network, server)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("resolving STUN server %s: %w", server, err)
	}
	req, err := stun.Build(stun.TransactionID, stun.BindingRequest, stun.Fingerprint)
	if err != nil {
		return netip.AddrPort{}, fmt.Errorf("building STUN request: %w", err)
	}
	defer s.rtpConn.SetReadDeadline(time.Time{}) //nolint:errcheck // best effort reset
	buf := make([]byte, 1500)
	for {
		if _, err := s.rtpConn.WriteToUDP(req.Raw, dst); err != nil {
			return netip.AddrPort{}, fmt.Errorf("sending STUN request to %s: %w", server, err)
		}
		deadline := time.Now().Add(500 * time.Millisecond)
		if d, ok := ctx.Deadline(); ok && d.Before(deadline) {
			deadline = d
		}
		_ = s.rtpConn.SetReadDeadline(deadline)
		for {
			n, src, err := s.rtpConn.ReadFromUDPAddrPort(buf)
			if err != nil {
				var ne net.Error
				if !errors.As(err, &ne) || !ne.Timeout() {
					return netip.AddrPort{}, fmt.Errorf("reading STUN answer: %w", err)
				}
				break // re-send, unless ctx is over
			}
			if src.Addr().Unmap() != dst.AddrPort().Addr().Unmap() || !stun.IsMessage(buf[:n]) {
				continue // early RTP or stray packets: not ours to answer
			}
			if ap, ok := mappedAddress(buf[:n], req.TransactionID); ok {
				return ap, nil
			}
		}
		if err := ctx.Err(); err != nil {
			return netip.AddrPort{}, fmt.Errorf("no STUN answer from %s: %w", server, err)
		}
	}
}

// mappedAddress reads XOR-MAPPED-ADDRESS (else MAPPED-ADDRESS) from a Binding success answer to
// the transaction id.
func mappedAddress(b []byte, id [stun.TransactionIDSize]byte) (netip.AddrPort, bool) {
	m := &stun.Message{Raw: append([]byte(nil), b...)}
	if err := m.Decode(); err != nil || m.TransactionID != id || m.Type != stun.BindingSuccess {
		return netip.AddrPort{}, false
	}
	var xa stun.XORMappedAddress
	if err := xa.GetFrom(m); err == nil {
		return addrPort(xa.IP, xa.Port)
	}
	var ma stun.MappedAddress
	if err := ma.GetFrom(m); err == nil {
		return addrPort(ma.IP, ma.Port)
	}
	return netip.AddrPort{}, false
}

func addrPort(ip net.IP, port int) (netip.AddrPort, bool) {
	a, ok := netip.AddrFromSlice(ip)
	if !ok || port <= 0 || port > 65535 {
		return netip.AddrPort{}, false
	}
	return netip.AddrPortFrom(a.Unmap(), uint16(port)), true
}

// OpenPinhole sends one empty datagram from the RTP socket to the peer, so that our NAT has a
// binding toward the peer before the peer's first RTP arrives: most NATs drop (and Linux
// conntrack even remembers) an unsolicited packet that comes first, and the stream then never
// gets in. Peers discard empty datagrams.
func (s *Session) OpenPinhole(dst netip.AddrPort) error {
	if !dst.IsValid() || dst.Addr().IsUnspecified() || dst.Port() == 0 {
		return nil
	}
	if _, err := s.rtpConn.WriteToUDPAddrPort(nil, dst); err != nil {
		return fmt.Errorf("opening the NAT toward %s: %w", dst, err)
	}
	return nil
}
