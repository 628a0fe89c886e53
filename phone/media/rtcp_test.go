package media

import (
	"errors"
	"net"
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

// lossyProxy sits between a and b: RTP from a to b loses every dropEvery-th packet; everything else
// (b's RTP, RTCP both ways) passes.
type lossyProxy struct {
	rtp, rtcp *net.UDPConn
	a, b      netip.AddrPort // RTP addresses; RTCP is +1
	dropEvery int
	dropped   atomic.Int64
	wg        sync.WaitGroup
}

func newLossyProxy(t *testing.T, dropEvery int) *lossyProxy {
	t.Helper()
	rtpConn, rtcpConn, err := bindPair(loopback, 0, 0)
	if err != nil {
		t.Fatal(err)
	}
	p := &lossyProxy{rtp: rtpConn, rtcp: rtcpConn, dropEvery: dropEvery}
	t.Cleanup(func() {
		_ = p.rtp.Close()
		_ = p.rtcp.Close()
		p.wg.Wait()
	})
	return p
}

func (p *lossyProxy) addr() netip.AddrPort {
	return netip.AddrPortFrom(loopback, uint16(p.rtp.LocalAddr().(*net.UDPAddr).Port))
}

func (p *lossyProxy) run(a, b netip.AddrPort) {
	p.a, p.b = a, b
	p.wg.Add(2)
	go p.forward(p.rtp, a, b, p.dropEvery)
	go p.forward(p.rtcp, plus1(a), plus1(b), 0)
}

func plus1(a netip.AddrPort) netip.AddrPort { return netip.AddrPortFrom(a.Addr(), a.Port()+1) }

func (p *lossyProxy) forward(c *net.UDPConn, a, b netip.AddrPort, dropEvery int) {
	defer p.wg.Done()
	buf := make([]byte, 1500)
	n := 0
	for {
		k, src, err := c.ReadFromUDPAddrPort(buf)
		if errors.Is(err, net.ErrClosed) {
			return
		}
		if err != nil {
			continue
		}
		dst := b
		if src.Port() == b.Port() {
			dst = a
		} else if n++; dropEvery > 0 && n%dropEvery == 0 {
			p.dropped.Add(1)
			continue
		}
		_, _ = c.WriteToUDPAddrPort(buf[:k], dst)
	}
}

func TestRTCPStatsWithLoss(t *testing.T) {
	proxy := newLossyProxy(t, 10)
	recA, recB := &recorder{}, &recorder{}
	a := newTestSession(t, recA.config(Config{Device: newFakeDevice(1000)}))
	b := newTestSession(t, recB.config(Config{Device: newFakeDevice(500)}))
	a.rtcpPeriod, b.rtcpPeriod = 200*time.Millisecond, 200*time.Millisecond
	proxy.run(a.LocalAddr(), b.LocalAddr())
	if err := a.Start(Params{Remote: proxy.addr(), Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(Params{Remote: proxy.addr(), Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	// The figures checked are the ones that met the condition: a fresh read could carry the next
	// report, whose short interval (RTCP intervals are randomised) may hold no dropped packet.
	var sa, sb Stats
	waitFor(t, "loss, remote loss and RTT", func() bool {
		sa, sb = a.Stats(), b.Stats()
		return sb.PacketsLost >= 10 && sa.RemoteLossPercent > 0 && sa.RTTMs > 0 && sb.RTTMs > 0
	})
	t.Logf("a: %+v\nb: %+v", sa, sb)
	if sb.LossPercent < 5 || sb.LossPercent > 15 {
		t.Errorf("b sees %.1f%% loss, want about 10%%", sb.LossPercent)
	}
	if sa.RemoteLossPercent < 2 || sa.RemoteLossPercent > 25 {
		t.Errorf("a is told %.1f%% loss, want about 10%%", sa.RemoteLossPercent)
	}
	if sa.PacketsLost != 0 || sa.LossPercent != 0 {
		t.Errorf("a lost packets on a lossless path: %+v", sa)
	}
	if sa.RTTMs > 1000 || sb.RTTMs > 1000 {
		t.Errorf("RTT on loopback: a %.1f ms, b %.1f ms", sa.RTTMs, sb.RTTMs)
	}
	if sb.MOS >= sa.MOS || sb.MOS < 1 || sa.MOS > 4.5 || sa.MOS < 4 {
		t.Errorf("MOS: a %.2f, b (10%% loss) %.2f", sa.MOS, sb.MOS)
	}
	if sb.ConcealedFrames == 0 {
		t.Errorf("b concealed nothing: %+v", sb)
	}
	if _, _, _, n := recA.get(); n == 0 {
		t.Error("OnStats never called")
	}
	// BYE on close reaches b.
	_ = a.Close()
	waitFor(t, "RTCP BYE notice at b", func() bool {
		_, n, _, _ := recB.get()
		for _, m := range n {
			if m == "peer sent RTCP BYE" {
				return true
			}
		}
		return false
	})
}

func TestRTPTimeout(t *testing.T) {
	rec := &recorder{}
	s := newTestSession(t, rec.config(Config{RTPTimeout: 200 * time.Millisecond}))
	silent := newTestSession(t, Config{}) // bound, never started: sends nothing
	if err := s.Start(Params{Remote: silent.LocalAddr(), Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "OnTimeout", func() bool { _, _, n, _ := rec.get(); return n > 0 })
	s.checkTimeout(time.Now().Add(time.Hour))
	if _, _, n, _ := rec.get(); n != 1 {
		t.Fatalf("OnTimeout called %d times", n)
	}
}

func TestRTPTimeoutOnlyWhenReceivingIsExpected(t *testing.T) {
	rec := &recorder{}
	s := newTestSession(t, rec.config(Config{RTPTimeout: time.Second}))
	later := time.Now().Add(time.Hour)
	for _, d := range []Direction{SendOnly, Inactive} {
		if err := s.Update(Params{Remote: netip.MustParseAddrPort("127.0.0.1:9"), Codec: PCMU, Direction: d}); err != nil {
			t.Fatal(err)
		}
		s.checkTimeout(later)
		if _, _, n, _ := rec.get(); n != 0 {
			t.Fatalf("OnTimeout on hold (%v)", d)
		}
	}
	if err := s.Update(Params{Remote: netip.MustParseAddrPort("127.0.0.1:9"), Codec: PCMU, Direction: RecvOnly}); err != nil {
		t.Fatal(err)
	}
	s.checkTimeout(time.Now()) // just resumed: not yet
	if _, _, n, _ := rec.get(); n != 0 {
		t.Fatal("OnTimeout right after resume")
	}
	s.checkTimeout(later)
	if _, _, n, _ := rec.get(); n != 1 {
		t.Fatal("no OnTimeout after an hour without RTP")
	}
}

func TestEcho(t *testing.T) {
	dev := newFakeDevice(1000)
	call := newTestSession(t, Config{Device: dev})
	echo, err := NewEchoSession(Config{LocalIP: loopback}, DefaultEchoDelay)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = echo.Close() })
	if err := echo.Start(Params{Remote: call.LocalAddr(), Codec: PCMA, DTMFPT: 101}); err != nil {
		t.Fatal(err)
	}
	if err := call.Start(Params{Remote: echo.LocalAddr(), Codec: PCMA, DTMFPT: 101}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "our tone to come back", func() bool { return dominantTone(dev.played(1600), 1000) })
	if st := echo.Stats(); st.PacketsSent == 0 || st.PacketsReceived == 0 {
		t.Fatalf("echo stats %+v", st)
	}
}

// TestRTCPContinuesOnHold: on hold our RTP stops but RTCP (now RR) keeps flowing.
func TestRTCPContinuesOnHold(t *testing.T) {
	a := newTestSession(t, Config{Device: newFakeDevice(1000)})
	b := newTestSession(t, Config{Device: newFakeDevice(0)})
	a.rtcpPeriod, b.rtcpPeriod = 100*time.Millisecond, 100*time.Millisecond
	if err := a.Start(Params{Remote: b.LocalAddr(), Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(Params{Remote: a.LocalAddr(), Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "RTP", func() bool { return b.Stats().PacketsReceived > 0 })
	if err := a.Update(Params{Remote: b.LocalAddr(), Codec: PCMU, Direction: Inactive}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a's RTP to stop", func() bool {
		before := a.Stats().PacketsSent
		waitTicks(a, 3)
		return a.Stats().PacketsSent == before
	})
	reports := func() uint64 { b.mu.Lock(); defer b.mu.Unlock(); return b.quality.reports }
	held, sent := reports(), a.Stats().PacketsSent
	waitFor(t, "RTCP from a while on hold", func() bool { return reports() >= held+3 })
	if now := a.Stats().PacketsSent; now != sent {
		t.Fatalf("a sent %d RTP packets on hold", now-sent)
	}
}

// TestRTCPKeepsRecvOnlyAlive: a peer that holds us (we are recvonly) and sends no music still
// sends RTCP, which keeps the RTP timeout away.
func TestRTCPKeepsRecvOnlyAlive(t *testing.T) {
	rec := &recorder{}
	s := newTestSession(t, rec.config(Config{RTPTimeout: time.Minute}))
	peer := netip.MustParseAddrPort("127.0.0.1:7000")
	if err := s.Update(Params{Remote: peer, Codec: PCMU, Direction: RecvOnly}); err != nil {
		t.Fatal(err)
	}
	rr, err := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 9}})
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	for i := range 10 {
		now := start.Add(time.Duration(i) * 30 * time.Second)
		s.handleRTCP(rr, plus1(peer), now)
		s.checkTimeout(now.Add(30 * time.Second))
	}
	if _, _, n, _ := rec.get(); n != 0 {
		t.Fatal("timed out although the peer's RTCP kept coming")
	}
	s.checkTimeout(start.Add(10 * time.Minute))
	if _, _, n, _ := rec.get(); n != 1 {
		t.Fatal("no timeout after the peer fell silent")
	}
}

// TestRTCPOnRTPPort: RTCP arriving on the RTP port (rtcp-mux peers) is taken as RTCP and does not
// disturb the RTP statistics.
func TestRTCPOnRTPPort(t *testing.T) {
	s := newTestSession(t, Config{})
	peer := netip.MustParseAddrPort("127.0.0.1:7000")
	if err := s.Update(Params{Remote: peer, Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	var pkt rtp.Packet
	now := time.Now()
	for i := range 5 {
		s.handleRTP(&pkt, rtpSeed(0, uint16(100+i), uint32(160*i), false, make([]byte, 160)), peer, now)
	}
	rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 0x1234, Reports: []rtcp.ReceptionReport{{SSRC: s.ssrc, FractionLost: 128}}}})
	s.handleRTP(&pkt, rr, peer, now)
	st := s.Stats()
	if st.PacketsReceived != 5 || st.PacketsLost != 0 || st.RemoteLossPercent != 50 {
		t.Fatalf("%+v", st)
	}
}

func TestRTCPTarget(t *testing.T) {
	rtpPeer := netip.MustParseAddrPort("192.0.2.1:4000")
	tests := []struct {
		name string
		p    Params
		want netip.AddrPort
	}{
		{"RTP port + 1", Params{Remote: rtpPeer}, netip.MustParseAddrPort("192.0.2.1:4001")},
		{"a=rtcp", Params{Remote: rtpPeer, RemoteRTCP: netip.MustParseAddrPort("192.0.2.9:5555")}, netip.MustParseAddrPort("192.0.2.9:5555")},
		{"never to 0.0.0.0", Params{Remote: netip.MustParseAddrPort("0.0.0.0:4000")}, netip.AddrPort{}},
		{"no remote", Params{}, netip.AddrPort{}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &Session{params: tc.p}
			if got := s.rtcpTargetLocked(); got != tc.want {
				t.Fatalf("RTCP to %v, want %v", got, tc.want)
			}
		})
	}
}
