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
		tx := newSender(48000)
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

// A G.711 sender holds one 8 kHz frame and one packet of the ptime in use; a longer ptime
// (re-INVITE) grows the buffers without losing the samples pending, and every packet is whole.
func TestSenderGrowsWithPtime(t *testing.T) {
	_, dst := sink(t)
	s := newTestSession(t, Config{})
	tx := newSender(8000)
	if len(tx.mic) != 160 || len(tx.spk) != 160 {
		t.Fatalf("frames of %d/%d samples, want 160", len(tx.mic), len(tx.spk))
	}
	var octets int
	for _, step := range []struct{ ptimeMs, frames, wantPackets, wantPayload int }{
		{20, 3, 3, 160},
		{60, 2, 0, 480}, // two frames pending...
		{60, 1, 1, 480}, // ...and the third makes one 60 ms packet of all three
	} {
		spp := 8 * step.ptimeMs
		packets := 0
		for range step.frames {
			p, o := s.sendAudio(tx, dst, ulaw, spp)
			packets, octets = packets+p, octets+o
		}
		if packets != step.wantPackets || len(tx.payload) != step.wantPayload {
			t.Errorf("ptime %d: %d packets, payload buffer %d; want %d, %d", step.ptimeMs, packets, len(tx.payload), step.wantPackets, step.wantPayload)
		}
	}
	if octets != 3*160+480 {
		t.Errorf("%d payload bytes sent, want %d", octets, 3*160+480)
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

// Start keeps NewSession's jitter buffer when it is untouched and at the codec's rate, rather
// than allocating a second one per call; a buffer that already took packets, or is at another
// rate, is replaced.
func TestStartReusesJitterBuffer(t *testing.T) {
	peer := netip.MustParseAddrPort("127.0.0.1:40000")
	for _, tc := range []struct {
		name      string
		codec     Codec
		early     bool // RTP arrives before Start (after an Update)
		wantReuse bool
	}{
		{"G.711", PCMU, false, true},
		{"G.722", Codec{PT: 9, Name: "G722", ClockRate: 8000}, false, false},
		{"early RTP", PCMU, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSession(t, Config{})
			if tc.early {
				if err := s.Update(Params{Remote: peer, Codec: PCMU}); err != nil {
					t.Fatal(err)
				}
				p := rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 7}, Payload: make([]byte, 160)}
				buf, err := p.Marshal()
				if err != nil {
					t.Fatal(err)
				}
				var pkt rtp.Packet
				s.handleRTP(&pkt, buf, peer, time.Now())
			}
			s.mu.Lock()
			before := s.rx.jb
			early := before.haveSSRC
			s.mu.Unlock()
			if early != tc.early {
				t.Fatalf("before Start the buffer took packets: %v, want %v", early, tc.early)
			}
			if err := s.Start(Params{Remote: peer, Codec: tc.codec}); err != nil {
				t.Fatal(err)
			}
			s.mu.Lock()
			defer s.mu.Unlock()
			if reused := s.rx.jb == before; reused != tc.wantReuse {
				t.Errorf("jitter buffer reused: %v, want %v", reused, tc.wantReuse)
			}
			if s.rx.jb.rate != s.rate {
				t.Errorf("jitter buffer at %d Hz, session at %d", s.rx.jb.rate, s.rate)
			}
		})
	}
}
