package media

import (
	"context"
	"runtime"
	"sync"
	"testing"
	"time"
	"weak"
)

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
