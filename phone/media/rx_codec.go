package media

import (
	"time"

	"github.com/pion/rtp"
)

// maxConcealPackets is the largest gap the codec's own concealment fills when the packet after
// it arrives (Opus: PLC for all but the last, FEC for the last); longer gaps are the jitter
// buffer's to conceal.
const maxConcealPackets = 3

// cnPT is comfort noise's static payload type (RFC 3389, RFC 3551).
const cnPT = 13

// lastPacket is the previous in-order audio packet of the stream; guarded by Session.mu.
type lastPacket struct {
	ok   bool
	ssrc uint32
	seq  uint16
	ts   uint32
}

// receiveAudioLocked decodes one audio (or comfort noise) packet into the jitter buffer.
func (s *Session) receiveAudioLocked(pkt *rtp.Packet, now time.Time) {
	c := s.codec
	if pkt.PayloadType == cnPT || (s.params.CNPT != 0 && pkt.PayloadType == s.params.CNPT) {
		s.rx.cn.start(pkt.Payload)
		return
	}
	dec, ok := decoderFor(c, pkt.PayloadType)
	if !ok {
		return
	}
	s.rx.cn.stop()
	clock := c.clock
	if pkt.PayloadType != c.pt {
		clock = 8000 // a static G.711 type
	}
	if c.conceal != nil && pkt.PayloadType == c.pt {
		s.concealGapLocked(pkt, c, now)
	}
	// at most maxPacketMs of audio: what decodeBuf holds once decoded at the session's rate
	payload := pkt.Payload[:min(len(pkt.Payload), maxPacketMs*clock/1000)]
	pcm := s.decodeBufLocked()
	n := dec(pcm, payload)
	s.rx.jb.push(now, pkt.SSRC, pkt.SequenceNumber, s.pcmTS(pkt.Timestamp, clock), pcm[:n])
}

// concealGapLocked fills a short gap before pkt with the codec's own concealment (Opus: libopus
// PLC, and for the packet just before pkt its in-band FEC copy, when the peer sends it) and
// remembers pkt as the last packet.
func (s *Session) concealGapLocked(pkt *rtp.Packet, c codecFuncs, now time.Time) {
	last := s.rx.last
	s.rx.last = lastPacket{ok: true, ssrc: pkt.SSRC, seq: pkt.SequenceNumber, ts: pkt.Timestamp}
	if !last.ok || last.ssrc != pkt.SSRC {
		return
	}
	gap := int(pkt.SequenceNumber - last.seq - 1)
	if gap <= 0 || gap > maxConcealPackets {
		if int16(pkt.SequenceNumber-last.seq) < 0 {
			s.rx.last = last // late and reordered: keep the newest as reference
		}
		return
	}
	step := (pkt.Timestamp - last.ts) / uint32(gap+1)
	if step != uint32(c.clock/50) {
		return // only 20 ms packets: what libopus conceals in one call here
	}
	for i := 1; i <= gap; i++ {
		var next []byte
		if i == gap {
			next = pkt.Payload
		}
		pcm := s.decodeBufLocked()
		n := c.conceal(pcm, next)
		ts := last.ts + uint32(i)*step
		s.rx.jb.push(now, pkt.SSRC, last.seq+uint16(i), s.pcmTS(ts, c.clock), pcm[:n])
	}
}

// pcmTS converts an RTP timestamp to the jitter buffer's sample clock (G.722: two samples per
// RTP tick). Multiplying keeps wrap-around differences exact.
func (s *Session) pcmTS(ts uint32, clock int) uint32 {
	switch {
	case clock == s.rate || clock == 0:
		return ts
	case s.rate > clock:
		return ts * uint32(s.rate/clock)
	}
	return ts / uint32(clock/s.rate)
}

// frameLen is one 20 ms frame at the session's PCM rate.
func (s *Session) frameLen() int { return s.rate / 50 }

// clockLocked is the RTP clock rate of what we send.
func (s *Session) clockLocked() int {
	if s.codec.clock == 0 {
		return 8000
	}
	return s.codec.clock
}

// decodeBufLocked is the buffer a received packet is decoded into, allocated on the first
// packet for maxPacketMs at the session's rate (1.9 KB for G.711, not 11.5 KB at 48 kHz; none
// for a call that never receives audio).
func (s *Session) decodeBufLocked() []int16 {
	if n := maxPacketMs * s.rate / 1000; len(s.rx.pcm) != n {
		s.rx.pcm = make([]int16, n)
	}
	return s.rx.pcm
}
