package media

import (
	"math"
	"net"
	"net/netip"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// sink is a UDP socket that takes packets (and is drained by nobody unless asked).
func sink(tb testing.TB) (*net.UDPConn, netip.AddrPort) {
	tb.Helper()
	c, err := net.ListenUDP("udp", net.UDPAddrFromAddrPort(netip.AddrPortFrom(loopback, 0)))
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() { _ = c.Close() })
	return c, netip.AddrPortFrom(loopback, uint16(c.LocalAddr().(*net.UDPAddr).Port))
}

// BenchmarkSendPacket is the send path per packet: encode, marshal into the reused buffer, send.
func BenchmarkSendPacket(b *testing.B) {
	_, dst := sink(b)
	s := newTestSession(b, Config{})
	tx := newSender(48000)
	for i := range tx.mic {
		tx.mic[i] = int16(i * 100)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.sendAudio(tx, dst, ulaw, frameSamples)
		tx.ts += frameSamples
	}
}

// BenchmarkTick is one whole 20 ms tick without the device wait: send a packet, play a frame.
func BenchmarkTick(b *testing.B) {
	_, dst := sink(b)
	s := newTestSession(b, Config{})
	if err := s.Update(Params{Remote: dst, Codec: PCMU}); err != nil {
		b.Fatal(err)
	}
	st := newClockStream(0)
	tx := newSender(48000)
	now := time.Now()
	b.ReportAllocs()
	for b.Loop() {
		s.tick(tx, st, now)
	}
}

// BenchmarkReceivePacket is the receive path per packet: parse, accept, decode, jitter buffer.
func BenchmarkReceivePacket(b *testing.B) {
	s := newTestSession(b, Config{})
	peer := netip.MustParseAddrPort("127.0.0.1:40000")
	if err := s.Update(Params{Remote: peer, Codec: PCMU, DTMFPT: 101}); err != nil {
		b.Fatal(err)
	}
	p := rtp.Packet{Header: rtp.Header{Version: 2, SSRC: 7}, Payload: make([]byte, 160)}
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	out := make([]int16, frameSamples)
	now := time.Now()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		p.SequenceNumber, p.Timestamp = uint16(i), uint32(i*160)
		n, _ := p.MarshalTo(buf)
		now = now.Add(20 * time.Millisecond)
		s.handleRTP(&pkt, buf[:n], peer, now)
		s.mu.Lock()
		s.rx.jb.pop(out)
		s.mu.Unlock()
		i++
	}
}

// BenchmarkPacing measures how evenly a session sends on the internal deadline clock (the null
// device's pacing) over SIPTERM_PACING_SECONDS (default 10; SIPTERM_PACING_LOAD=1 keeps both cores
// busy allocating). It reports the deviation of packet spacing from 20 ms; one run, whatever b.N.
func BenchmarkPacing(b *testing.B) {
	t := b
	secs, _ := strconv.Atoi(os.Getenv("SIPTERM_PACING_SECONDS"))
	if secs <= 0 {
		secs = 10
	}
	c, dst := sink(t)
	s := newTestSession(t, Config{})
	stop := make(chan struct{})
	defer close(stop)
	if os.Getenv("SIPTERM_PACING_LOAD") == "1" {
		for range 2 {
			go func() {
				var keep [][]byte
				for {
					select {
					case <-stop:
						return
					default:
					}
					keep = append(keep, make([]byte, 4096))
					if len(keep) > 10000 {
						keep = nil
					}
				}
			}()
		}
	}
	if err := s.Start(Params{Remote: dst, Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	n := secs * 50
	arrivals := make([]time.Time, 0, n)
	buf := make([]byte, 1500)
	for len(arrivals) < n {
		if _, _, err := c.ReadFromUDPAddrPort(buf); err != nil {
			t.Fatal(err)
		}
		arrivals = append(arrivals, time.Now())
	}
	dev := make([]float64, 0, n)
	for i := 1; i < len(arrivals); i++ {
		d := arrivals[i].Sub(arrivals[i-1]) - 20*time.Millisecond
		dev = append(dev, math.Abs(float64(d))/float64(time.Millisecond))
	}
	slices.Sort(dev)
	drift := arrivals[len(arrivals)-1].Sub(arrivals[0]) - time.Duration(len(arrivals)-1)*20*time.Millisecond
	t.Logf("pacing over %d s (%d packets): |inter-arrival - 20 ms| p50 %.3f ms, p99 %.3f ms, max %.3f ms; drift %v",
		secs, n, dev[len(dev)/2], dev[len(dev)*99/100], dev[len(dev)-1], drift)
	b.ReportMetric(dev[len(dev)/2], "p50-ms")
	b.ReportMetric(dev[len(dev)*99/100], "p99-ms")
	b.ReportMetric(dev[len(dev)-1], "max-ms")
	b.ReportMetric(0, "ns/op")
}
