package media

import (
	"errors"
	"math/rand/v2"
	"net"
	"net/netip"
	"time"

	"github.com/pion/rtcp"
)

// srInfo remembers the peer's last sender report for LSR/DLSR.
type srInfo struct {
	have   bool
	ntpMid uint32
	at     time.Time
}

// qualityState is what the peer's reports tell us; guarded by Session.mu.
type qualityState struct {
	rttMs      float64
	remoteLoss float64
	remoteJit  float64 // the peer's interarrival jitter of our stream, ms
	bye        bool
	reports    uint64 // RTCP packets accepted from the peer
}

// controlTick is the shared control clock's period (control.go): the RTP timeout's resolution
// and the RTCP schedule's granularity.
const controlTick = 100 * time.Millisecond

// ntpTime converts t to a 64-bit NTP timestamp.
func ntpTime(t time.Time) uint64 {
	secs := uint64(t.Unix()) + 2208988800
	frac := uint64(t.Nanosecond()) << 32 / uint64(time.Second)
	return secs<<32 | frac
}

// rtcpInterval is the report period randomised to 0.5..1.5 times (RFC 3550 6.3.1).
func (s *Session) rtcpInterval() time.Duration {
	return time.Duration(float64(s.rtcpPeriod) * (0.5 + rand.Float64()))
}

func (s *Session) checkTimeout(now time.Time) {
	if s.cfg.RTPTimeout <= 0 {
		return
	}
	s.mu.Lock()
	t := &s.timeout
	fire := !t.fired && t.armed && s.params.Direction.receives() && now.Sub(t.since) >= s.cfg.RTPTimeout
	if fire {
		t.fired = true
	}
	s.mu.Unlock()
	if fire {
		s.notice("no RTP received for " + s.cfg.RTPTimeout.String())
		if s.cfg.OnTimeout != nil {
			s.cfg.OnTimeout()
		}
	}
}

// rtcpTargetLocked is where RTCP goes: the peer's RTCP source, else RTP port + 1.
func (s *Session) rtcpTargetLocked() netip.AddrPort {
	rtpDst := s.sendTargetLocked()
	if !rtpDst.IsValid() {
		return netip.AddrPort{}
	}
	if s.peer.rtcp.IsValid() {
		return s.peer.rtcp
	}
	if r := s.params.RemoteRTCP; r.IsValid() && !r.Addr().IsUnspecified() && r.Port() != 0 {
		return r
	}
	if rtpDst.Port() == 65535 {
		return netip.AddrPort{}
	}
	return netip.AddrPortFrom(rtpDst.Addr(), rtpDst.Port()+1)
}

// reportLocked builds SR (if we sent RTP since the last report) or RR, plus SDES CNAME.
func (s *Session) reportLocked(now time.Time) []rtcp.Packet {
	var blocks []rtcp.ReceptionReport
	if q := &s.rx.seq; q.init {
		b := rtcp.ReceptionReport{
			SSRC:               q.ssrc,
			FractionLost:       q.interval(),
			TotalLost:          uint32(min(max(q.lost(), 0), 0x7FFFFF)),
			LastSequenceNumber: q.extMax(),
			Jitter:             uint32(s.rx.jb.jitter * float64(s.clockLocked()) / float64(s.rate)),
		}
		if sr := s.rx.lastSR; sr.have {
			b.LastSenderReport = sr.ntpMid
			b.Delay = uint32(now.Sub(sr.at).Seconds() * 65536)
		}
		blocks = append(blocks, b)
	}
	var first rtcp.Packet = &rtcp.ReceiverReport{SSRC: s.ssrc, Reports: blocks}
	if s.tx.packets > s.tx.reported {
		first = &rtcp.SenderReport{
			SSRC:        s.ssrc,
			NTPTime:     ntpTime(now),
			RTPTime:     s.tx.ts + uint32(now.Sub(s.tx.at).Seconds()*float64(s.clockLocked())),
			PacketCount: uint32(s.tx.packets),
			OctetCount:  uint32(s.tx.octets),
			Reports:     blocks,
		}
	}
	s.tx.reported = s.tx.packets
	return []rtcp.Packet{first, rtcp.NewCNAMESourceDescription(s.ssrc, s.cname)}
}

func (s *Session) sendReport(now time.Time) {
	s.mu.Lock()
	dst := s.rtcpTargetLocked()
	pkts := s.reportLocked(now)
	st := s.statsLocked()
	s.mu.Unlock()
	s.writeRTCP(pkts, dst)
	if s.cfg.OnStats != nil {
		s.cfg.OnStats(st)
	}
}

// sendBye sends a final report with BYE; Close calls it before closing the sockets.
func (s *Session) sendBye() {
	s.mu.Lock()
	dst := s.rtcpTargetLocked()
	pkts := append(s.reportLocked(time.Now()), &rtcp.Goodbye{Sources: []uint32{s.ssrc}})
	s.mu.Unlock()
	s.writeRTCP(pkts, dst)
}

func (s *Session) writeRTCP(pkts []rtcp.Packet, dst netip.AddrPort) {
	if !dst.IsValid() {
		return
	}
	b, err := rtcp.Marshal(pkts)
	if err != nil {
		s.log.Warn("RTCP marshal failed", "err", err)
		return
	}
	send := func(b []byte) {
		if _, err := s.rtcpConn.WriteToUDPAddrPort(b, dst); err != nil {
			s.log.Debug("RTCP send failed", "to", dst.String(), "err", err)
		}
		s.tapped(true, true, dst, b)
	}
	if cs := s.cryptoNow(); cs != nil {
		if err := cs.txRTCP.protectRTCP(b, send); err != nil {
			s.log.Warn("SRTCP protect failed", "err", err)
		}
		return
	}
	send(b)
}

func (s *Session) rtcpLoop() {
	defer s.wg.Done()
	var buf [rtpBufSize]byte
	for {
		n, src, err := s.rtcpConn.ReadFromUDPAddrPort(buf[:])
		if err != nil {
			if errors.Is(err, net.ErrClosed) || s.isClosing() {
				return
			}
			continue
		}
		s.tapped(false, true, src, buf[:n])
		s.handleRTCP(buf[:n], src, time.Now())
	}
}

// handleRTCP takes one datagram from the RTCP socket; only the peer's reports are used.
func (s *Session) handleRTCP(data []byte, src netip.AddrPort, now time.Time) {
	var pkts []rtcp.Packet
	var err error
	if cs := s.cryptoNow(); cs != nil {
		pkts, err = cs.rxRTCP.unprotectRTCP(data)
		if err != nil {
			s.srtpDropped(err, "RTCP")
			return
		}
	} else if pkts, err = rtcp.Unmarshal(data); err != nil {
		return
	}
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	s.mu.Lock()
	if !s.rtcpFromPeerLocked(src) {
		s.mu.Unlock()
		return
	}
	s.peer.rtcp = src
	s.quality.reports++
	if s.params.Direction == RecvOnly {
		// The peer holds us and may send no RTP at all (no music on hold): its RTCP shows it is
		// still there, so it keeps the RTP timeout away.
		s.timeout.since = now
	}
	bye := false
	for _, p := range pkts {
		switch p := p.(type) {
		case *rtcp.SenderReport:
			s.rx.lastSR = srInfo{have: true, ntpMid: uint32(p.NTPTime >> 16), at: now}
			s.reportBlocksLocked(p.Reports, now)
		case *rtcp.ReceiverReport:
			s.reportBlocksLocked(p.Reports, now)
		case *rtcp.Goodbye:
			bye = !s.quality.bye
			s.quality.bye = true
		}
	}
	s.mu.Unlock()
	if bye {
		s.notice("peer sent RTCP BYE")
	}
}

func (s *Session) rtcpFromPeerLocked(src netip.AddrPort) bool {
	if s.peer.rtcp.IsValid() {
		return src == s.peer.rtcp
	}
	ip := s.params.Remote.Addr()
	if s.peer.latched.IsValid() {
		ip = s.peer.latched.Addr()
	}
	if r := s.params.RemoteRTCP; r.IsValid() && src.Addr() == r.Addr() {
		return true
	}
	return ip.IsValid() && !ip.IsUnspecified() && src.Addr() == ip
}

// reportBlocksLocked takes the peer's report about our stream: its loss and, from LSR/DLSR, the RTT.
func (s *Session) reportBlocksLocked(blocks []rtcp.ReceptionReport, now time.Time) {
	for _, b := range blocks {
		if b.SSRC != s.ssrc {
			continue
		}
		s.quality.remoteLoss = float64(b.FractionLost) * 100 / 256
		if f := s.codec.peerLoss; f != nil {
			if msg := f(b.FractionLost); msg != "" {
				go s.notice(msg) // not under s.mu: OnNotice may call back into the session
			}
		}
		s.quality.remoteJit = float64(b.Jitter) * 1000 / float64(max(s.params.Codec.ClockRate, 1))
		if b.LastSenderReport == 0 {
			continue
		}
		rtt := uint32(ntpTime(now)>>16) - b.LastSenderReport - b.Delay
		if rtt < 10*65536 { // a negative or absurd value is a clock or report error
			s.quality.rttMs = float64(rtt) * 1000 / 65536
		}
	}
}
