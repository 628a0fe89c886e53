package media

import (
	"errors"
	"net"
	"net/netip"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// controlStep: the RTP timeout is checked at every tick, a report goes out only once it is due,
// and the next one is then a randomised interval (0.5..1.5 x the period) away.
func TestControlStep(t *testing.T) {
	start := time.Now()
	const period = 5 * time.Second
	tests := []struct {
		name        string
		at, next    time.Duration // the tick and the report's due time, from start
		wantReport  bool
		wantTimeout bool
	}{
		{"nothing due", 100 * time.Millisecond, period, false, false},
		{"report due", period, period, true, false},
		{"report overdue", 2 * period, period, true, true},
		{"timeout, no report", 2 * period, 3 * period, false, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			rec := &recorder{}
			s := newTestSession(t, rec.config(Config{RTPTimeout: 7 * time.Second}))
			s.rtcpPeriod = period
			s.mu.Lock()
			s.timeout = timeoutState{armed: true, since: start}
			s.params.Direction = SendRecv
			s.mu.Unlock()
			now, next := start.Add(tc.at), start.Add(tc.next)
			got := s.controlStep(now, next)
			_, _, timeouts, reports := rec.get()
			if (reports == 1) != tc.wantReport || reports > 1 {
				t.Errorf("%d reports, want report %v", reports, tc.wantReport)
			}
			if (timeouts == 1) != tc.wantTimeout || timeouts > 1 {
				t.Errorf("%d timeouts, want timeout %v", timeouts, tc.wantTimeout)
			}
			switch {
			case !tc.wantReport && !got.Equal(next):
				t.Errorf("next report moved from %v to %v without a report", next, got)
			case tc.wantReport && (got.Before(now.Add(period/2)) || got.After(now.Add(period*3/2))):
				t.Errorf("next report %v after this one, want 0.5..1.5 x %v", got.Sub(now), period)
			}
		})
	}
}

// Close takes a session off the shared control clock before it sends its BYE: whatever the clock
// was doing, no report follows a session's BYE, and no closed session stays a member. The
// sessions report at every tick of a 1 ms clock, so many of the closes meet a tick under way.
func TestCloseStopsControlBeforeBye(t *testing.T) {
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	_ = peer.SetReadBuffer(1 << 20)
	rtcpAddr := peer.LocalAddr().(*net.UDPAddr).AddrPort()
	for range 3 {
		closeStopsControlBeforeBye(t, peer, rtcpAddr)
	}
}

func closeStopsControlBeforeBye(t *testing.T, peer *net.UDPConn, rtcpAddr netip.AddrPort) {
	t.Helper()
	const n = 30
	clock := &framePacer{period: time.Millisecond}
	sessions := make([]*Session, n)
	for i := range sessions {
		s := newTestSession(t, Config{})
		s.rtcpPeriod, s.ctlClock = time.Nanosecond, clock
		// RTP to a port nothing reads (the peer's RTCP port - 1 may be anyone's: use 9, discard)
		remote := netip.AddrPortFrom(loopback, 9)
		if err := s.Start(Params{Remote: remote, RemoteRTCP: rtcpAddr, Codec: PCMU}); err != nil {
			t.Fatal(err)
		}
		sessions[i] = s
	}
	// reports: SSRC -> packets seen; bye: SSRC -> a packet came after its BYE
	reports, byes, after := map[uint32]int{}, map[uint32]bool{}, map[uint32]int{}
	read := func(deadline time.Time) bool {
		var buf [1500]byte
		_ = peer.SetReadDeadline(deadline)
		k, err := peer.Read(buf[:])
		if err != nil {
			if !errors.Is(err, os.ErrDeadlineExceeded) {
				t.Fatal(err)
			}
			return false
		}
		pkts, err := rtcp.Unmarshal(buf[:k])
		if err != nil {
			t.Fatalf("bad RTCP: %v", err)
		}
		for _, p := range pkts {
			switch p := p.(type) {
			case *rtcp.Goodbye:
				for _, src := range p.Sources {
					byes[src] = true
				}
			case *rtcp.ReceiverReport:
				reports[p.SSRC]++
				if byes[p.SSRC] {
					after[p.SSRC]++
				}
			case *rtcp.SenderReport:
				reports[p.SSRC]++
				if byes[p.SSRC] {
					after[p.SSRC]++
				}
			}
		}
		return true
	}
	for len(reports) < n { // a report from every session: all are on the clock
		if !read(time.Now().Add(15 * time.Second)) {
			t.Fatalf("reports from %d of %d sessions", len(reports), n)
		}
	}
	var wg sync.WaitGroup
	for _, s := range sessions {
		wg.Add(1)
		go func() { defer wg.Done(); _ = s.Close() }()
	}
	wg.Wait()
	// every datagram sent before the Closes returned is in the socket's queue (loopback)
	for read(time.Now().Add(300 * time.Millisecond)) {
	}
	for _, s := range sessions {
		if !byes[s.ssrc] {
			t.Errorf("session %08x: no BYE", s.ssrc)
		}
		if after[s.ssrc] > 0 {
			t.Errorf("session %08x: %d reports after its BYE", s.ssrc, after[s.ssrc])
		}
		clock.mu.Lock()
		_, member := clock.members[s.control]
		clock.mu.Unlock()
		if member {
			t.Errorf("session %08x is still on the control clock after Close", s.ssrc)
		}
	}
}

// A started session costs two goroutines of its own, the RTP and RTCP readers: its send side and
// its control work are on the shared clocks (a device without a clock of its own, as in a soak).
func TestStartedSessionGoroutines(t *testing.T) {
	const n = 5
	for range n {
		s := newTestSession(t, Config{})
		if err := s.Start(Params{Remote: netip.AddrPortFrom(loopback, 9), Codec: PCMU}); err != nil {
			t.Fatal(err)
		}
	}
	buf := make([]byte, 1<<20)
	stacks := string(buf[:runtime.Stack(buf, true)])
	if got := strings.Count(stacks, "created by github.com/sipterm/sipterm/phone/media.(*Session).Start"); got != 2*n {
		t.Errorf("%d sessions started %d goroutines, want %d:\n%s", n, got, 2*n, stacks)
	}
}
