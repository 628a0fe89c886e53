package media

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"net/netip"
	"time"

	"github.com/pion/rtp"

	"github.com/sipterm/sipterm/audio"
)

const (
	frameSamples     = audio.FrameSamples // one device frame: 20 ms at 8 kHz
	maxFrameSamples  = 6 * frameSamples   // 20 ms at 48 kHz, the widest codec rate
	maxPacketMs      = 120
	maxPacketSamples = maxPacketMs * 48
	rtpBufSize       = 1500
)

// txCounters is what the sender tells RTCP; guarded by Session.mu.
type txCounters struct {
	packets, octets uint64
	reported        uint64    // packets at the last RTCP report
	ts              uint32    // RTP timestamp of the last captured frame
	at              time.Time // when that frame was captured
}

// sender is the state owned by the send loop; nothing else touches it.
type sender struct {
	seq        rtp.Sequencer
	ts         uint32 // RTP timestamp of the next captured sample
	pkt        rtp.Packet
	buf        [rtpBufSize]byte
	pcm        []int16 // captured samples not yet packetised; sized by sized()
	npcm       int
	pcmTS      uint32
	payload    []byte // one encoded packet; sized by sized()
	marker     bool
	wasMuted   bool
	dtmf       dtmfTx
	mic, spk   []int16 // one 20 ms frame at the session's rate (newSender)
	writeError bool
	pulls      bool     // the stream's device pulls playback (play.go): tick only sends
	srtp       *srtpEnd // SRTP send context, nil for plain RTP; set each tick
}

// newSender is the send state of a session whose device runs at rate Hz. Its frames hold 20 ms
// at that rate, not at 48 kHz: 640 bytes instead of 3.8 KB for a G.711 call (issue 10: live calls
// at load).
func newSender(rate int) *sender {
	var b [4]byte
	_, _ = rand.Read(b[:])
	n := max(rate/50, 1)
	return &sender{seq: rtp.NewRandomSequencer(), ts: binary.BigEndian.Uint32(b[:]), marker: true,
		mic: make([]int16, n), spk: make([]int16, n)}
}

// opusMaxPacket bounds an Opus packet (RFC 6716).
const opusMaxPacket = 1275

// sized allocates the packet buffers for the codec's PCM rate and the packet size in use (spp
// samples): a packet's worth pending and the frame just captured, and one encoded packet —
// 640 + 160 bytes for 20 ms G.711, not 2.2 + 1.3 KB for the longest packet (maxPacketMs) and
// Opus's, which counts at hundreds of live calls (issue 10). A longer ptime later (re-INVITE)
// grows them, keeping what is pending. The rate is fixed once the session has started.
func (tx *sender) sized(c codecFuncs, spp int) {
	spp = min(max(spp, c.rate/50), maxPacketMs*c.rate/1000)
	if need := spp + c.rate/50; len(tx.pcm) < need {
		tx.pcm = append(make([]int16, 0, need), tx.pcm[:tx.npcm]...)[:need]
	}
	// G.711 and G.722 encode at most a byte a sample; Opus up to its packet bound; an RFC 4733
	// event is 4 bytes
	need := max(spp, 4)
	if c.name == "opus" {
		need = opusMaxPacket
	}
	if len(tx.payload) < need {
		tx.payload = make([]byte, need)
	}
}

// sendLoop is the call's one clock: every Stream.Read that returns is one 20 ms tick that sends
// what was captured and plays one frame from the jitter buffer.
func (s *Session) sendLoop(st audio.Stream) {
	defer s.wg.Done()
	tx := newSender(s.rate)
	tx.pulls = s.pullPlayback(st)
	for {
		if err := st.Read(tx.mic[:s.frameLen()]); err != nil {
			if st = s.replaceStream(st, err); st == nil {
				return
			}
			tx.pulls = false // the stand-in clock has no playback clock
			continue
		}
		s.tick(tx, st, time.Now())
	}
}

// replaceStream swaps a failed device stream for a silent deadline clock so the call keeps its
// RTP flowing. It returns nil when the session is closing.
func (s *Session) replaceStream(old audio.Stream, err error) audio.Stream {
	s.mu.Lock()
	if s.closing {
		s.mu.Unlock()
		return nil
	}
	_ = old.Close()
	st := newClockStream(0)
	s.stream = st
	s.mu.Unlock()
	s.notice(fmt.Sprintf("audio device failed (%v); continuing without audio", err))
	return st
}

// tick handles one captured frame in tx.mic and plays one frame.
func (s *Session) tick(tx *sender, st audio.Stream, now time.Time) {
	n := s.frameLen()
	mic := dbfs(tx.mic[:n]) // measured before muting: the UI can warn "talking while muted"
	s.mu.Lock()
	p, c, dst, muted := s.params, s.codec, s.sendTargetLocked(), s.muted
	leg, detached := s.mix, s.detached
	tx.srtp = nil
	if s.crypto != nil {
		tx.srtp = s.crypto.txRTP
	}
	if !tx.dtmf.active && tx.dtmf.pause == 0 && len(s.dtmfQ) > 0 {
		ev, _ := digitEvent(s.dtmfQ[0])
		s.dtmfQ = s.dtmfQ[1:]
		tx.dtmf.begin(ev, tx.ts)
		tx.dtmf.scale = uint32(c.clock / 8000)
	}
	s.mu.Unlock()
	if detached || (muted && leg != nil) {
		clear(tx.mic[:])
	}
	if leg != nil { // a conference: the others' audio goes out even while we are muted
		leg.MixInto(tx.mic[:])
		muted = false
	}

	packets, octets, feedback := s.sendFrame(tx, p, c, dst, muted)

	s.mu.Lock()
	s.tx.packets += uint64(packets)
	s.tx.octets += uint64(octets)
	s.tx.ts, s.tx.at = tx.ts-uint32(c.clock/50), now
	s.levels.mic = mic
	s.setFeedbackLocked(feedback)
	if tx.pulls { // the device's playback clock plays (play.go)
		s.mu.Unlock()
		return
	}
	spk := tx.spk[:n]
	s.playLocked(spk)
	s.mu.Unlock()
	if err := st.Write(spk); err != nil && !tx.writeError && !s.closedStream(err) {
		tx.writeError = true
		s.notice(fmt.Sprintf("audio device write failed: %v", err))
	}
}

// closedStream: err is the stream closed under a tick that was under way when the session
// closed (a hangup), not a device failure worth a notice.
func (s *Session) closedStream(err error) bool {
	if !errors.Is(err, audio.ErrClosed) {
		return false
	}
	select {
	case <-s.done:
		return true
	default:
		return false
	}
}

// sendFrame sends what this frame owes the peer (audio, a DTMF event packet, or nothing on hold)
// and advances the RTP timestamp. feedback is the DTMF event to play locally, or -1.
func (s *Session) sendFrame(tx *sender, p Params, c codecFuncs, dst netip.AddrPort, muted bool) (packets, octets, feedback int) {
	sending := p.Direction.sends() && dst.IsValid()
	if !sending || (tx.wasMuted && !muted) {
		tx.marker = true // the next packet starts a talkspurt
	}
	tx.wasMuted = muted
	if muted {
		clear(tx.mic[:])
	}
	spp := c.rate * p.PtimeMs / 1000
	if c.name == "opus" {
		spp = c.rate / 50 // we always send 20 ms Opus frames (phone/sdp answers ptime 20)
	}
	feedback = -1
	tx.sized(c, spp)
	switch {
	case tx.dtmf.active:
		tx.npcm = 0 // audio is replaced by the event
		ev, first := tx.dtmf.step()
		if !ev.End {
			feedback = int(ev.Event)
		}
		if sending {
			n := ev.marshalTo(tx.payload[:])
			octets += s.writeRTP(tx, dst, p.DTMFPT, tx.dtmf.ts, first, tx.payload[:n])
			packets++
		}
		if !tx.dtmf.active {
			tx.marker = true
		}
	case sending:
		packets, octets = s.sendAudio(tx, dst, c, spp)
	default:
		tx.npcm = 0
	}
	if tx.dtmf.pause > 0 && !tx.dtmf.active {
		tx.dtmf.pause--
	}
	tx.ts += uint32(c.clock / 50) // counts 20 ms whether sent or not
	return packets, octets, feedback
}

// sendAudio adds tx.mic to the pending samples and sends every full packet of spp samples.
func (s *Session) sendAudio(tx *sender, dst netip.AddrPort, c codecFuncs, spp int) (packets, octets int) {
	tx.sized(c, spp)
	if tx.npcm == 0 {
		tx.pcmTS = tx.ts
	}
	tx.npcm += copy(tx.pcm[tx.npcm:], tx.mic[:c.rate/50])
	for tx.npcm >= spp {
		n := c.enc(tx.payload[:], tx.pcm[:spp])
		if n > 0 {
			octets += s.writeRTP(tx, dst, c.pt, tx.pcmTS, tx.marker, tx.payload[:n])
			packets++
			tx.marker = false
		}
		tx.npcm = copy(tx.pcm[:], tx.pcm[spp:tx.npcm])
		tx.pcmTS += uint32(spp * c.clock / c.rate)
	}
	return packets, octets
}

// writeRTP marshals one packet into the reused buffer and sends it; it returns the payload size.
func (s *Session) writeRTP(tx *sender, dst netip.AddrPort, pt uint8, ts uint32, marker bool, payload []byte) int {
	tx.pkt.Header = rtp.Header{
		Version:        2,
		Marker:         marker,
		PayloadType:    pt,
		SequenceNumber: tx.seq.NextSequenceNumber(),
		Timestamp:      ts,
		SSRC:           s.ssrc,
	}
	tx.pkt.Payload = payload
	n, err := tx.pkt.MarshalTo(tx.buf[:])
	out := tx.buf[:n]
	if err == nil && tx.srtp != nil {
		out, err = tx.srtp.protectRTP(out)
	}
	if err == nil {
		_, err = s.rtpConn.WriteToUDPAddrPort(out, dst)
		s.tapped(true, false, dst, out)
	}
	if err != nil && !tx.writeError && !s.isClosing() {
		tx.writeError = true
		s.notice(fmt.Sprintf("RTP send to %s failed: %v", dst, err))
	}
	return len(payload)
}
