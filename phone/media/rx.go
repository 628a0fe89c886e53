package media

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"

	"github.com/pion/rtp"
)

// peerState is symmetric RTP: where the peer's RTP really comes from. Guarded by Session.mu.
type peerState struct {
	latched     netip.AddrPort // the peer's RTP source; we send there once set
	foreignUsed bool           // we latched to a source outside the negotiated IP (allowed once)
	ignored     uint64         // packets from other sources
	rtcp        netip.AddrPort // where the peer's RTCP comes from
}

// rxState is the receive side; guarded by Session.mu.
type rxState struct {
	jb      *jitterBuffer
	seq     seqStats
	dtmf    dtmfDetector
	pcm     []int16 // one decoded packet; sized to the session's rate by decodeBuf
	packets uint64
	lastSR  srInfo
	cn      comfortNoise
	last    lastPacket // the previous audio packet, for Opus FEC/PLC of a gap
}

// timeoutState drives OnTimeout; guarded by Session.mu.
type timeoutState struct {
	armed bool
	since time.Time // the later of: last RTP received, receiving became expected
	fired bool
}

func (s *Session) rtpLoop() {
	defer s.wg.Done()
	var (
		buf [rtpBufSize]byte
		pkt rtp.Packet
	)
	for {
		n, src, err := s.rtpConn.ReadFromUDPAddrPort(buf[:])
		if err != nil {
			if errors.Is(err, net.ErrClosed) || s.isClosing() {
				return
			}
			continue
		}
		s.tapped(false, false, src, buf[:n])
		s.handleRTP(&pkt, buf[:n], src, time.Now())
	}
}

// handleRTP takes one datagram from the RTP socket.
func (s *Session) handleRTP(pkt *rtp.Packet, data []byte, src netip.AddrPort, now time.Time) {
	if len(data) >= 2 && data[1] >= 192 && data[1] <= 223 {
		s.handleRTCP(data, src, now) // RTCP on the RTP port (RFC 5761 demultiplexing)
		return
	}
	if cs := s.cryptoNow(); cs != nil {
		plain, err := cs.rxRTP.unprotectRTP(data)
		if err != nil {
			s.srtpDropped(err, "RTP")
			return
		}
		data = plain
	}
	if err := pkt.Unmarshal(data); err != nil || pkt.Version != 2 {
		return
	}
	src = netip.AddrPortFrom(src.Addr().Unmap(), src.Port())
	var digit, msg string
	s.mu.Lock()
	ok, msg := s.acceptLocked(src)
	if ok {
		s.rx.packets++
		s.rx.seq.update(pkt.SSRC, pkt.SequenceNumber)
		s.timeout.since = now
		p := s.params
		switch {
		case p.DTMFPT != 0 && pkt.PayloadType == p.DTMFPT:
			digit = s.rx.dtmf.handle(pkt.SSRC, pkt.Timestamp, pkt.Payload)
		case p.Direction.receives():
			s.receiveAudioLocked(pkt, now)
		}
	}
	s.mu.Unlock()
	if msg != "" {
		s.notice(msg)
	}
	if digit != "" && s.cfg.OnDTMF != nil {
		s.cfg.OnDTMF(digit)
	}
}

// acceptLocked decides whether RTP from src is the peer's, latching on the first packet from the
// negotiated IP (or, once, from anywhere when the negotiated IP never speaks: NAT). After that only
// the latched source is accepted, so a stray source cannot hijack the call. msg is a notice.
func (s *Session) acceptLocked(src netip.AddrPort) (ok bool, msg string) {
	if s.peer.latched.IsValid() {
		if src == s.peer.latched {
			return true, ""
		}
		s.peer.ignored++
		if s.peer.ignored == 1 {
			return false, fmt.Sprintf("RTP from unexpected source %s ignored (peer is %s)", src, s.peer.latched)
		}
		return false, ""
	}
	remote := s.params.Remote
	if remote.IsValid() && src.Addr() == remote.Addr() {
		s.peer.latched = src
		if src != remote {
			msg = fmt.Sprintf("RTP latched to %s (negotiated %s)", src, remote)
		}
		return true, msg
	}
	if s.peer.foreignUsed {
		s.peer.ignored++
		return false, ""
	}
	s.peer.foreignUsed = true
	s.peer.latched = src
	if !remote.IsValid() {
		return true, fmt.Sprintf("RTP latched to %s", src)
	}
	return true, fmt.Sprintf("RTP latched to %s, not the negotiated %s", src, remote)
}

// seqStats is RFC 3550 appendix A.1 sequence accounting for the loss figures.
type seqStats struct {
	init          bool
	ssrc          uint32
	maxSeq        uint16
	cycles        uint32
	baseSeq       uint32
	badSeq        uint32
	received      uint64
	expectedPrior uint64
	receivedPrior uint64
}

const (
	maxDropout  = 3000
	maxMisorder = 100
)

func (q *seqStats) reset(ssrc uint32, seq uint16) {
	*q = seqStats{init: true, ssrc: ssrc, maxSeq: seq, baseSeq: uint32(seq), badSeq: 1 << 17, received: 1}
}

func (q *seqStats) update(ssrc uint32, seq uint16) {
	if !q.init || ssrc != q.ssrc {
		q.reset(ssrc, seq)
		return
	}
	delta := seq - q.maxSeq
	switch {
	case delta == 0: // duplicate: counted, as RFC 3550 does
	case delta < maxDropout:
		if seq < q.maxSeq {
			q.cycles += 1 << 16
		}
		q.maxSeq = seq
	case int(delta) <= 1<<16-maxMisorder:
		if uint32(seq) == q.badSeq {
			q.reset(ssrc, seq) // two in a row after a big jump: the sender restarted
			return
		}
		q.badSeq = uint32(seq+1) & 0xFFFF
		return
	}
	q.received++
}

func (q *seqStats) extMax() uint32 { return q.cycles + uint32(q.maxSeq) }

func (q *seqStats) expected() uint64 {
	if !q.init {
		return 0
	}
	return uint64(q.extMax()-q.baseSeq) + 1
}

func (q *seqStats) lost() int64 { return int64(q.expected()) - int64(q.received) }

// interval returns the fraction lost (8-bit fixed point) since the previous call.
func (q *seqStats) interval() uint8 {
	exp, rec := q.expected(), q.received
	dExp := int64(exp) - int64(q.expectedPrior)
	dRec := int64(rec) - int64(q.receivedPrior)
	q.expectedPrior, q.receivedPrior = exp, rec
	lost := dExp - dRec
	if dExp <= 0 || lost <= 0 {
		return 0
	}
	return uint8(min(lost<<8/dExp, 255))
}
