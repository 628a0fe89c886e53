package media

import (
	"context"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// TestLinger: after Close the RTP socket still takes datagrams for Linger.For (or until Ctx
// ends), hands them to Late with how long after Close each arrived (the kernel's arrival time,
// not the time the linger read it), then closes and calls Done; without a linger Close frees the
// port at once. No goroutine waits on a lingering socket.
func TestLinger(t *testing.T) {
	arrivalStampsLive(t)
	tests := []struct {
		name   string
		linger time.Duration
		delay  time.Duration // after Close, before sending
		send   int           // datagrams sent to the closed session
		cancel bool          // the owner's context ends once they are queued
		rcvbuf int           // the socket's receive buffer, if not the default
	}{
		{"no linger", 0, 0, 0, false, 0},
		{"until For", time.Second, 0, 2, false, 0},
		{"the context ends it at once", time.Minute, 0, 3, true, 0},
		{"since is the arrival, not the read", time.Minute, 300 * time.Millisecond, 1, true, 0},
		{"more than the queue holds: Dropped counts the rest", time.Minute, 0, 40, true, 2048},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSession(Config{LocalIP: loopback})
			if err != nil {
				t.Fatal(err)
			}
			conn := s.rtpConn
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var wg sync.WaitGroup
			var mu sync.Mutex
			var since []time.Duration
			var from []netip.AddrPort
			var dropped int
			done := make(chan struct{})
			s.SetLinger(Linger{For: tt.linger, Ctx: ctx, WG: &wg,
				Late: func(d time.Duration, src netip.AddrPort, _ []byte) {
					mu.Lock()
					since, from = append(since, d), append(from, src)
					mu.Unlock()
				},
				Dropped: func(n int) { dropped = n },
				Done:    func() { close(done) }})
			if tt.rcvbuf > 0 {
				if err := conn.SetReadBuffer(tt.rcvbuf); err != nil {
					t.Fatal(err)
				}
			}
			goroutines := runtime.NumGoroutine()
			before := time.Now()
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			closedBy := time.Now()
			if tt.linger == 0 {
				rebind(t, s.LocalAddr())
				return
			}
			if n := runtime.NumGoroutine(); n > goroutines {
				t.Errorf("%d goroutines after Close, %d before: the linger keeps a goroutine", n, goroutines)
			}
			time.Sleep(tt.delay)
			c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(s.LocalAddr()))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			sent := time.Now()
			for range tt.send {
				queued, drops := rmemDrops(t, conn)
				if _, err := c.Write(make([]byte, 172)); err != nil {
					t.Fatal(err)
				}
				for q, d := rmemDrops(t, conn); q == queued && d == drops; q, d = rmemDrops(t, conn) {
					time.Sleep(time.Millisecond) // until the kernel has queued or dropped it
				}
			}
			queuedBy := time.Now()
			if tt.cancel {
				time.Sleep(100 * time.Millisecond) // a read now would be well after the arrival
				cancel()
			}
			wg.Wait()
			<-done
			rebind(t, s.LocalAddr())
			mu.Lock()
			defer mu.Unlock()
			if len(since)+dropped != tt.send || (tt.rcvbuf > 0) != (dropped > 0) {
				t.Fatalf("Late saw %d datagrams and %d were dropped, want %d in all, some dropped: %v", len(since), dropped, tt.send, tt.rcvbuf > 0)
			}
			const slack = 5 * time.Millisecond // wall clock (the kernel's) against monotonic
			lo, hi := max(sent.Sub(closedBy)-slack, 0), queuedBy.Sub(before)+slack
			for i, d := range since {
				if d < lo || d > hi {
					t.Errorf("datagram %d came %v after Close, want %v to %v", i, d, lo, hi)
				}
				if from[i].Port() != uint16(c.LocalAddr().(*net.UDPAddr).Port) {
					t.Errorf("datagram %d from %s, want %s", i, from[i], c.LocalAddr())
				}
			}
		})
	}
}

// rebind fails the test unless the port is free again.
func rebind(t *testing.T, addr netip.AddrPort) {
	t.Helper()
	l, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(addr))
	if err != nil {
		t.Fatalf("the RTP port is still bound: %v", err)
	}
	l.Close()
}

// rmemDrops is the memory of what the socket's receive queue holds and how many datagrams the
// kernel has dropped on it.
func rmemDrops(t *testing.T, conn *net.UDPConn) (uint32, uint32) {
	t.Helper()
	mem, ok := socketMeminfo(conn)
	if !ok {
		t.Fatal("SO_MEMINFO failed")
	}
	return mem[unix.SK_MEMINFO_RMEM_ALLOC], mem[unix.SK_MEMINFO_DROPS]
}

// arrivalStampsLive waits until the kernel stamps datagrams as they arrive, and keeps it so for
// the test. Linux turns arrival stamping on for the whole system when a first socket asks for it,
// from a deferred work item: until that has run, a read stamps the datagram with the read time
// (under load in CI: a second later). A phone has one socket asking from its first call's media
// on; a test's first session asks a moment before it closes.
func arrivalStampsLive(t *testing.T) {
	t.Helper()
	rx, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { rx.Close() })
	if err := stampArrivals(rx); err != nil {
		t.Fatal(err)
	}
	tx, err := net.DialUDP("udp4", nil, rx.LocalAddr().(*net.UDPAddr))
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Close()
	const wait = 20 * time.Millisecond
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); {
		if _, err := tx.Write([]byte("stamp")); err != nil {
			t.Fatal(err)
		}
		time.Sleep(wait)
		var at time.Time
		if err := drainStamped(rx, func(a time.Time, _ netip.AddrPort, _ []byte) { at = a }); err != nil {
			t.Fatal(err)
		}
		if !at.IsZero() && time.Since(at) >= wait/2 {
			return // stamped at arrival, not at the read
		}
	}
	t.Fatal("the kernel never stamped a datagram at its arrival (SO_TIMESTAMPNS)")
}
