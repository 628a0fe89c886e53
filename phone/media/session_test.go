package media

import (
	"net"
	"net/netip"
	"strconv"
	"strings"
	"testing"

	"github.com/pion/rtp"
)

type pair struct {
	a, b       *Session
	devA, devB *fakeDevice
	recA, recB *recorder
}

// newPair starts two sessions on 127.0.0.1 sending to each other: a plays toneA, b plays toneB.
func newPair(t *testing.T, codec Codec, toneA, toneB float64) *pair {
	t.Helper()
	p := &pair{devA: newFakeDevice(toneA), devB: newFakeDevice(toneB), recA: &recorder{}, recB: &recorder{}}
	p.a = newTestSession(t, p.recA.config(Config{Device: p.devA}))
	p.b = newTestSession(t, p.recB.config(Config{Device: p.devB}))
	if err := p.a.Start(Params{Remote: p.b.LocalAddr(), Codec: codec, DTMFPT: 101}); err != nil {
		t.Fatal(err)
	}
	if err := p.b.Start(Params{Remote: p.a.LocalAddr(), Codec: codec, DTMFPT: 101}); err != nil {
		t.Fatal(err)
	}
	return p
}

func TestToneEndToEnd(t *testing.T) {
	// opus and G722 run on this 8 kHz-only fake device through openAt's resamplers.
	for _, c := range []Codec{PCMU, PCMA, opusCodec, g722Codec} {
		t.Run(c.Name, func(t *testing.T) {
			p := newPair(t, c, 1000, 0)
			waitFor(t, "1 kHz at b", func() bool { return dominantTone(p.devB.played(1600), 1000) })
			st := p.b.Stats()
			if st.Codec != c.Name || st.PacketsReceived == 0 || p.a.Stats().PacketsSent == 0 {
				t.Fatalf("stats: %+v", st)
			}
			// The speaker level is the last frame's: on a loaded machine that frame can be a
			// concealed one, so wait for the meter to show the tone.
			waitFor(t, "b's speaker level to show the tone", func() bool { return p.b.Stats().SpeakerDBFS >= -20 })
			if got := p.a.Stats().MicDBFS; got < -20 || got > 0 {
				t.Errorf("mic level %.1f dBFS", got)
			}
		})
	}
}

// TestPtime: at each ptime every packet carries ptime's worth of samples and the timestamps step
// by exactly that, so a 20 ms device frame becomes 2 packets at 10 ms and half a packet at 40 ms.
// It reads the packets themselves, not the wall clock; then a pair at that ptime hears the tone.
func TestPtime(t *testing.T) {
	for _, ms := range []int{10, 30, 40} {
		t.Run(strconv.Itoa(ms), func(t *testing.T) {
			c, dst := sink(t)
			s := newTestSession(t, Config{Device: newFakeDevice(1000)})
			if err := s.Start(Params{Remote: dst, Codec: PCMU}); err != nil {
				t.Fatal(err)
			}
			readRTP(t, c) // sending at the default 20 ms
			if err := s.Update(Params{Remote: dst, Codec: PCMU, PtimeMs: ms}); err != nil {
				t.Fatal(err)
			}
			spp := uint32(ms * 8)
			prev := readRTP(t, c)
			for i := 0; len(prev.Payload) == frameSamples; i++ { // packets sent before the update
				if i == 100 {
					t.Fatalf("still 20 ms packets after Update to ptime %d", ms)
				}
				prev = readRTP(t, c)
			}
			for range 12 {
				p := readRTP(t, c)
				if len(p.Payload) != int(spp) || p.Timestamp-prev.Timestamp != spp ||
					p.SequenceNumber != prev.SequenceNumber+1 {
					t.Fatalf("at ptime %d: packet seq %d ts %d with %d bytes after seq %d ts %d; want %d bytes, ts +%d",
						ms, p.SequenceNumber, p.Timestamp, len(p.Payload), prev.SequenceNumber, prev.Timestamp, spp, spp)
				}
				prev = p
			}

			pr := newPair(t, PCMU, 1000, 0)
			for _, s := range []*Session{pr.a, pr.b} {
				remote := pr.b.LocalAddr()
				if s == pr.b {
					remote = pr.a.LocalAddr()
				}
				if err := s.Update(Params{Remote: remote, Codec: PCMU, PtimeMs: ms}); err != nil {
					t.Fatal(err)
				}
			}
			waitTicks(pr.a, 20)
			waitFor(t, "tone", func() bool { return dominantTone(pr.devB.played(1600), 1000) })
		})
	}
}

func TestDTMFEndToEnd(t *testing.T) {
	p := newPair(t, PCMU, 0, 0)
	if err := p.a.SendDTMF("12*#a9"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "digits at b", func() bool { d, _, _, _ := p.recB.get(); return len(d) >= 6 })
	if d, _, _, _ := p.recB.get(); d != "12*#A9" {
		t.Fatalf("b got %q", d)
	}
	// a heard its own key tones (a and b send silence otherwise).
	if heard := p.devA.played(8000 * 5); goertzel(heard, 1209) < 100*goertzel(heard, 1000)+1 {
		t.Error("no local DTMF feedback at a")
	}
	if err := p.a.SendDTMF("x"); err == nil {
		t.Error("SendDTMF(x) accepted")
	}
	s := newTestSession(t, Config{})
	if err := s.Start(Params{Remote: p.a.LocalAddr(), Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	if err := s.SendDTMF("1"); err == nil {
		t.Error("SendDTMF without telephone-event accepted")
	}
}

func TestHoldResume(t *testing.T) {
	p := newPair(t, PCMU, 1000, 0)
	waitFor(t, "audio at b", func() bool { return p.b.Stats().PacketsReceived > 5 })
	for _, dir := range []Direction{SendOnly, Inactive, RecvOnly} {
		if err := p.a.Update(Params{Remote: p.b.LocalAddr(), Codec: PCMU, DTMFPT: 101, Direction: dir}); err != nil {
			t.Fatal(err)
		}
		// Once the packets in flight have arrived, a's packet count stops.
		waitFor(t, "a to stop sending", func() bool {
			before := p.a.Stats().PacketsSent
			for range 5 {
				p.b.Stats() // let ticks pass
				waitTicks(p.a, 1)
			}
			return p.a.Stats().PacketsSent == before
		})
	}
	if err := p.a.Update(Params{Remote: p.b.LocalAddr(), Codec: PCMU, DTMFPT: 101, Direction: SendRecv}); err != nil {
		t.Fatal(err)
	}
	before := p.a.Stats().PacketsSent
	waitFor(t, "a to resume", func() bool { return p.a.Stats().PacketsSent > before+5 })
	waitFor(t, "tone at b after resume", func() bool { return dominantTone(p.devB.played(1600), 1000) })
}

// waitTicks waits until the session's send loop has run n more ticks.
func waitTicks(s *Session, n int) {
	s.mu.Lock()
	at := s.tx.at
	s.mu.Unlock()
	for i := 0; i < n; {
		s.mu.Lock()
		now := s.tx.at
		s.mu.Unlock()
		if now != at {
			at = now
			i++
			continue
		}
		sleepTick()
	}
}

func TestMute(t *testing.T) {
	// opus and G722 run on this 8 kHz-only fake device through openAt's resamplers.
	for _, c := range []Codec{PCMU, PCMA, opusCodec, g722Codec} {
		t.Run(c.Name, func(t *testing.T) {
			p := newPair(t, c, 1000, 0)
			waitFor(t, "tone at b", func() bool { return dominantTone(p.devB.played(1600), 1000) })
			p.a.SetMute(true)
			waitFor(t, "silence at b", func() bool { return dbfs(p.devB.played(1600)) < -60 })
			before := p.b.Stats().PacketsReceived
			waitFor(t, "RTP to keep flowing", func() bool { return p.b.Stats().PacketsReceived > before+10 })
			p.a.SetMute(false)
			waitFor(t, "tone at b after unmute", func() bool { return dominantTone(p.devB.played(1600), 1000) })
		})
	}
}

func TestLatchingAndForeignSource(t *testing.T) {
	rec := &recorder{}
	devA, devB := newFakeDevice(1000), newFakeDevice(0)
	a := newTestSession(t, rec.config(Config{Device: devA}))
	b := newTestSession(t, Config{Device: devB})
	// a was told a wrong port for b (NAT): it must latch to where b's RTP comes from.
	wrong := netip.AddrPortFrom(loopback, b.LocalAddr().Port()+100)
	if err := a.Start(Params{Remote: wrong, Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(Params{Remote: a.LocalAddr(), Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a's tone at b via latching", func() bool { return dominantTone(devB.played(1600), 1000) })
	if got := a.Stats().Remote; got != b.LocalAddr().String() {
		t.Fatalf("a sends to %s, want %s", got, b.LocalAddr())
	}
	// A third party on the same IP must not take over.
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	pkt := rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 42, PayloadType: 0}, Payload: make([]byte, 160)}
	for i := range 20 {
		pkt.SequenceNumber = uint16(i)
		b, _ := pkt.Marshal()
		if _, err := c.WriteToUDPAddrPort(b, a.LocalAddr()); err != nil {
			t.Fatal(err)
		}
	}
	waitFor(t, "foreign source notice", func() bool {
		_, n, _, _ := rec.get()
		for _, m := range n {
			if strings.Contains(m, "unexpected source") {
				return true
			}
		}
		return false
	})
	if got := a.Stats().Remote; got != b.LocalAddr().String() {
		t.Fatalf("a was hijacked: sends to %s", got)
	}
	if st := a.Stats(); st.SSRCChanges != 0 {
		t.Fatalf("foreign packets reached the jitter buffer: %+v", st)
	}
}

func TestNeverSendsToUnspecified(t *testing.T) {
	dev := newFakeDevice(1000)
	s := newTestSession(t, Config{Device: dev})
	for _, r := range []netip.AddrPort{{}, netip.MustParseAddrPort("0.0.0.0:4000"), netip.AddrPortFrom(loopback, 0)} {
		if err := s.Update(Params{Remote: r, Codec: PCMU}); err != nil {
			t.Fatal(err)
		}
		if !s.started {
			if err := s.Start(Params{Remote: r, Codec: PCMU}); err != nil {
				t.Fatal(err)
			}
		}
		waitTicks(s, 3)
		if st := s.Stats(); st.PacketsSent != 0 || st.Remote != "" {
			t.Fatalf("remote %v: %+v", r, st)
		}
	}
}

func TestUpdateCodecAndErrors(t *testing.T) {
	p := newPair(t, PCMU, 1000, 0)
	waitFor(t, "tone", func() bool { return dominantTone(p.devB.played(1600), 1000) })
	if err := p.a.Update(Params{Remote: p.b.LocalAddr(), Codec: PCMA}); err != nil {
		t.Fatal(err)
	}
	if err := p.b.Update(Params{Remote: p.a.LocalAddr(), Codec: PCMA}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "tone after switching to PCMA", func() bool {
		return p.b.Stats().Codec == "PCMA" && dominantTone(p.devB.played(1600), 1000)
	})
	if err := p.a.Update(Params{Codec: Codec{Name: "G729", PT: 18}}); err == nil {
		t.Error("G729 accepted")
	}
	if err := p.a.Start(Params{Codec: PCMU}); err == nil {
		t.Error("second Start accepted")
	}
	_ = p.a.Close()
	_ = p.a.Close()
	if err := p.a.Update(Params{Codec: PCMU}); err == nil {
		t.Error("Update after Close accepted")
	}
}
