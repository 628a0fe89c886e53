package media

import (
	"net/netip"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// The send buffers are sized to the session's rate: every packet length up to maxPacketMs
// still fits, at every rate.
func TestSenderSizedToRate(t *testing.T) {
	_, dst := sink(t)
	s := newTestSession(t, Config{})
	for _, tc := range []struct {
		c        codecFuncs
		ptimeMs  int
		wantSize int // payload bytes per packet
	}{
		{ulaw, 20, 160},
		{ulaw, 120, 960},
		{alaw, 60, 480},
	} {
		tx := newSender()
		spp := tc.c.rate * tc.ptimeMs / 1000
		var packets, octets int
		for range tc.ptimeMs / 20 * 3 {
			p, o := s.sendAudio(tx, dst, tc.c, spp)
			packets, octets = packets+p, octets+o
		}
		if packets != 3 || octets != 3*tc.wantSize {
			t.Errorf("%s %d ms: %d packets %d bytes, want 3 of %d", tc.c.name, tc.ptimeMs, packets, octets, tc.wantSize)
		}
		if len(tx.pcm) > 2*maxPacketMs*tc.c.rate/1000 {
			t.Errorf("%s: %d samples buffered, sized beyond its rate", tc.c.name, len(tx.pcm))
		}
	}
}

// A received packet longer than maxPacketMs is cut to it, and the decode buffer holds the
// session's rate, not 48 kHz.
func TestDecodeBufSizedToRate(t *testing.T) {
	s := newTestSession(t, Config{})
	peer := netip.MustParseAddrPort("127.0.0.1:40000")
	if err := s.Update(Params{Remote: peer, Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for i, size := range []int{160, 960, 1400} {
		p := rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 7, SequenceNumber: uint16(i), Timestamp: uint32(i * 1000)},
			Payload: make([]byte, size)}
		n, err := p.MarshalTo(buf)
		if err != nil {
			t.Fatal(err)
		}
		s.handleRTP(&pkt, buf[:n], peer, time.Now())
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if got, want := len(s.rx.pcm), maxPacketMs*8; got != want {
		t.Errorf("decode buffer %d samples, want %d (120 ms at 8 kHz)", got, want)
	}
}
