package media

import (
	"net/netip"
	"time"
)

// Tap sees every RTP and RTCP datagram the session sends or receives, as it is on the wire (SRTP
// stays encrypted), for a per-call capture. It runs on the media goroutines: it must copy what it
// keeps and return at once. rtcp tells the RTCP socket from the RTP one (RTCP multiplexed on the
// RTP port counts as RTP).
type Tap func(t time.Time, out, rtcp bool, local, remote netip.AddrPort, data []byte)

// SetTap starts (nil: stops) handing datagrams to a tap. Without a tap the hooks cost one atomic
// load per packet.
func (s *Session) SetTap(t Tap) {
	if t == nil {
		s.tap.Store(nil)
		return
	}
	s.tap.Store(&t)
}

func (s *Session) tapped(out, rtcp bool, remote netip.AddrPort, data []byte) {
	t := s.tap.Load()
	if t == nil {
		return
	}
	local := s.local
	if rtcp {
		local = netip.AddrPortFrom(local.Addr(), local.Port()+1)
	}
	(*t)(time.Now(), out, rtcp, local, remote, data)
}
