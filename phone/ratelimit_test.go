package phone

import (
	"net/netip"
	"testing"
	"time"
)

type fakeClock struct{ t time.Time }

func (c *fakeClock) now() time.Time          { return c.t }
func (c *fakeClock) advance(d time.Duration) { c.t = c.t.Add(d) }

func TestRateLimiter(t *testing.T) {
	a, b := netip.MustParseAddr("192.0.2.1"), netip.MustParseAddr("192.0.2.2")
	type step struct {
		advance time.Duration
		addr    netip.Addr
		n       int // requests
		allowed int // how many of them pass
	}
	tests := []struct {
		name  string
		rate  int
		steps []step
	}{
		{"burst of twice the rate, then nothing", 10, []step{{0, a, 25, 20}}},
		{"sources have their own buckets", 10, []step{{0, a, 25, 20}, {0, b, 5, 5}}},
		{"refills at the rate", 10, []step{{0, a, 20, 20}, {time.Second, a, 15, 10}, {100 * time.Millisecond, a, 2, 1}}},
		{"refill stops at the burst", 10, []step{{0, a, 20, 20}, {time.Hour, a, 30, 20}}},
		{"steady traffic under the rate always passes", 10, []step{
			{0, a, 1, 1}, {200 * time.Millisecond, a, 1, 1}, {200 * time.Millisecond, a, 1, 1}, {200 * time.Millisecond, a, 1, 1}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			clk := &fakeClock{t: time.Unix(1_000_000, 0)}
			l := newRateLimiter(tt.rate, clk.now)
			for i, s := range tt.steps {
				clk.advance(s.advance)
				got := 0
				for range s.n {
					if l.allow(s.addr) {
						got++
					}
				}
				if got != s.allowed {
					t.Errorf("step %d: %d of %d allowed, want %d", i, got, s.n, s.allowed)
				}
			}
		})
	}
}

func TestRateLimiterOffAndBounded(t *testing.T) {
	if l := newRateLimiter(0, time.Now); !l.allow(netip.MustParseAddr("192.0.2.1")) {
		t.Error("rate_limit = 0 must allow everything")
	}
	clk := &fakeClock{t: time.Unix(1_000_000, 0)}
	l := newRateLimiter(1, clk.now)
	l.maxSources = 4
	for i := range 10 { // spoofed sources beyond the table share one bucket (burst 2)
		l.allow(netip.AddrFrom4([4]byte{10, 0, 0, byte(i)}))
	}
	if len(l.buckets) != 4 {
		t.Errorf("%d buckets, want at most 4", len(l.buckets))
	}
	if l.allow(netip.MustParseAddr("10.1.1.1")) {
		t.Error("the overflow bucket should be empty")
	}
	clk.advance(time.Hour) // every bucket refilled: swept, a new source gets its own again
	if !l.allow(netip.MustParseAddr("10.1.1.1")) || len(l.buckets) != 1 {
		t.Errorf("after a sweep: %d buckets", len(l.buckets))
	}
}
