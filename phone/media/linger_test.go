package media

import (
	"context"
	"net"
	"net/netip"
	"runtime"
	"sync"
	"testing"
	"time"
	"weak"
)

// TestLinger: after Close the RTP socket still takes datagrams for Linger.For (or until Ctx
// ends), hands them to Late, then closes and calls Done; without a linger Close frees it at once.
func TestLinger(t *testing.T) {
	tests := []struct {
		name   string
		linger time.Duration
		cancel bool // the owner's context ends during the linger
		want   int  // datagrams seen by Late
	}{
		{"no linger", 0, false, 0},
		{"linger", time.Minute, true, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := NewSession(Config{LocalIP: loopback})
			if err != nil {
				t.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			var wg sync.WaitGroup
			var mu sync.Mutex
			var got []netip.AddrPort
			done := make(chan struct{})
			s.SetLinger(Linger{For: tt.linger, Ctx: ctx, WG: &wg,
				Late: func(_ time.Duration, from netip.AddrPort, _ []byte) {
					mu.Lock()
					got = append(got, from)
					n := len(got)
					mu.Unlock()
					if n == tt.want {
						cancel()
					}
				},
				Done: func() { close(done) }})
			if err := s.Close(); err != nil {
				t.Fatal(err)
			}
			c, err := net.DialUDP("udp4", nil, net.UDPAddrFromAddrPort(s.LocalAddr()))
			if err != nil {
				t.Fatal(err)
			}
			defer c.Close()
			for i := 0; i < tt.want; i++ {
				if _, err := c.Write(make([]byte, 172)); err != nil {
					t.Fatal(err)
				}
			}
			if tt.linger == 0 {
				// the socket is gone: the port can be bound again
				l, err := net.ListenUDP("udp4", net.UDPAddrFromAddrPort(s.LocalAddr()))
				if err != nil {
					t.Fatalf("the RTP port is still bound after Close: %v", err)
				}
				l.Close()
				return
			}
			wg.Wait() // the linger ends with the context, long before its minute
			<-done
			mu.Lock()
			defer mu.Unlock()
			if len(got) != tt.want || got[0].Port() != uint16(c.LocalAddr().(*net.UDPAddr).Port) {
				t.Fatalf("Late saw %v, want %d datagrams from %s", got, tt.want, c.LocalAddr())
			}
		})
	}
}

// TestLingerFreesSession: a lingering socket does not keep its ended Session (and the Session's
// buffers) alive: only the socket and a small read buffer linger.
func TestLingerFreesSession(t *testing.T) {
	s, err := NewSession(Config{LocalIP: loopback})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	var wg sync.WaitGroup
	done := make(chan struct{})
	s.SetLinger(Linger{For: time.Minute, Ctx: ctx, WG: &wg, Done: func() { close(done) }})
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	w := weak.Make(s)
	s = nil
	for range 5 {
		runtime.GC()
	}
	if w.Value() != nil {
		t.Error("the Session is still reachable while its socket lingers")
	}
	cancel()
	wg.Wait()
	<-done
}
