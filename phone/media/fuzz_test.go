package media

import (
	"bytes"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

func rtpSeed(pt uint8, seq uint16, ts uint32, marker bool, payload []byte) []byte {
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: pt, SequenceNumber: seq, Timestamp: ts, SSRC: 0x1234, Marker: marker}, Payload: payload}
	b, _ := p.Marshal()
	return b
}

var fuzzPeer = netip.MustParseAddrPort("127.0.0.1:40000")

// fuzzSession is a bound but not started session whose peer is fuzzPeer.
func fuzzSession(f *testing.F) *Session {
	s, err := NewSession(Config{LocalIP: loopback})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	s.ssrc = 0x1234 // so that seeded report blocks are about us
	if err := s.Update(Params{Remote: fuzzPeer, Codec: PCMU, DTMFPT: 101}); err != nil {
		f.Fatal(err)
	}
	return s
}

// FuzzRTPReceive feeds arbitrary datagrams to the receive path (parse, latch, stats, DTMF,
// decode, jitter buffer) and plays a frame after each.
func FuzzRTPReceive(f *testing.F) {
	f.Add(rtpSeed(0, 1, 160, true, bytes.Repeat([]byte{0xFF}, 160)), uint8(0))
	f.Add(rtpSeed(8, 65535, 0xFFFFFF00, false, bytes.Repeat([]byte{0xD5}, 80)), uint8(1))
	f.Add(rtpSeed(101, 7, 800, true, []byte{5, 0x8A, 0x03, 0x20}), uint8(0))
	f.Add(rtpSeed(101, 8, 800, false, []byte{5}), uint8(0))
	f.Add(rtpSeed(0, 9, 1, false, make([]byte, 2000)), uint8(2))
	f.Add([]byte{0x80}, uint8(0))
	f.Add([]byte{0xBF, 0x80, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1}, uint8(0)) // 15 CSRCs claimed
	f.Add([]byte{0x90, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xBE, 0xDE, 0, 1, 0x10, 0xAA, 0, 0, 0xFF}, uint8(0))
	f.Add([]byte{0xA0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0xFF, 0, 0, 200}, uint8(0)) // bad padding
	s := fuzzSession(f)
	var pkt rtp.Packet
	out := make([]int16, frameSamples)
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, data []byte, from uint8) {
		src := fuzzPeer
		if from%3 == 1 {
			src = netip.AddrPortFrom(fuzzPeer.Addr(), 40002)
		} else if from%3 == 2 {
			src = netip.MustParseAddrPort("[::ffff:10.0.0.1]:5004")
		}
		now = now.Add(time.Duration(from) * time.Millisecond)
		s.handleRTP(&pkt, data, src, now)
		s.mu.Lock()
		kind := s.rx.jb.pop(out)
		n := s.rx.jb.nq + s.rx.jb.nfree
		s.mu.Unlock()
		if n != jbSlots {
			t.Fatalf("jitter buffer lost slots: %d queued + free", n)
		}
		if kind != frameAudio && kind != frameConcealed && kind != frameSilence {
			t.Fatalf("kind %v", kind)
		}
		st := s.Stats()
		if st.LossPercent < 0 || st.LossPercent > 100 || st.MOS < 1 || st.MOS > 4.5 {
			t.Fatalf("stats out of range: %+v", st)
		}
	})
}

// FuzzRTCPReceive feeds arbitrary datagrams to the RTCP path and builds a report after each.
func FuzzRTCPReceive(f *testing.F) {
	seed := func(pkts ...rtcp.Packet) []byte {
		b, _ := rtcp.Marshal(pkts)
		return b
	}
	f.Add(seed(&rtcp.SenderReport{SSRC: 1, NTPTime: 1 << 40, Reports: []rtcp.ReceptionReport{{SSRC: 0x1234, FractionLost: 25, LastSenderReport: 77, Delay: 9}}},
		rtcp.NewCNAMESourceDescription(1, "x@y")))
	f.Add(seed(&rtcp.ReceiverReport{SSRC: 1, Reports: []rtcp.ReceptionReport{{SSRC: 2, TotalLost: 0xFFFFFF}}}))
	f.Add(seed(&rtcp.ReceiverReport{SSRC: 1}, &rtcp.Goodbye{Sources: []uint32{1}, Reason: "bye"}))
	f.Add([]byte{0x81, 0xC8, 0x00, 0x01})
	f.Add([]byte{})
	s := fuzzSession(f)
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, data []byte) {
		now = now.Add(time.Second)
		s.handleRTCP(data, netip.AddrPortFrom(fuzzPeer.Addr(), 40001), now)
		s.mu.Lock()
		pkts := s.reportLocked(now)
		s.mu.Unlock()
		if _, err := rtcp.Marshal(pkts); err != nil {
			t.Fatalf("our own report does not marshal: %v", err)
		}
		if st := s.Stats(); st.RTTMs < 0 || st.RTTMs > 10_000 || st.RemoteLossPercent < 0 || st.RemoteLossPercent > 100 {
			t.Fatalf("stats out of range: %+v", st)
		}
	})
}

// FuzzDTMFPayload checks RFC 4733 parsing: never panics, and what parses round-trips.
func FuzzDTMFPayload(f *testing.F) {
	f.Add([]byte{1, 0x0A, 0x00, 0xA0}, uint32(800))
	f.Add([]byte{11, 0x8A, 0x03, 0x20}, uint32(800))
	f.Add([]byte{200, 0xFF, 0xFF, 0xFF, 1, 2}, uint32(1))
	f.Add([]byte{3}, uint32(0))
	var d dtmfDetector
	f.Fuzz(func(t *testing.T, b []byte, ts uint32) {
		e, err := parseDTMF(b)
		if err != nil {
			if len(b) >= 4 {
				t.Fatalf("rejected %d bytes: %v", len(b), err)
			}
			return
		}
		var out [4]byte
		e.marshalTo(out[:])
		want := [4]byte{b[0], b[1] &^ 0x40, b[2], b[3]} // the reserved bit is not kept
		if out != want {
			t.Fatalf("round trip %x -> %+v -> %x", b[:4], e, out)
		}
		digit := d.handle(1, ts, b)
		if digit != "" && (len(digit) != 1 || b[0] > 15) {
			t.Fatalf("digit %q from event %d", digit, b[0])
		}
		if again := d.handle(1, ts, b); again != "" {
			t.Fatalf("event at ts %d reported twice", ts)
		}
	})
}
