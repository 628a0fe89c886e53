package phone

import (
	"net/netip"
	"sync"
	"time"
)

// rateLimiter is a token bucket per source address: rate new requests per second, bursts of
// up to burst. Against floods and scanners; the clock is injected so tests need no sleeps.
type rateLimiter struct {
	rate, burst float64
	now         func() time.Time
	maxSources  int // buckets kept at most; beyond, new sources share one bucket

	mu       sync.Mutex
	buckets  map[netip.Addr]*bucket
	overflow bucket
}

type bucket struct {
	tokens float64
	last   time.Time
}

func newRateLimiter(perSecond int, now func() time.Time) *rateLimiter {
	if perSecond <= 0 {
		return nil // off
	}
	return &rateLimiter{
		rate: float64(perSecond), burst: 2 * float64(perSecond), now: now,
		maxSources: 4096, buckets: map[netip.Addr]*bucket{},
	}
}

// allow takes one token from addr's bucket; false means the request is over the limit.
// A nil limiter allows everything.
func (l *rateLimiter) allow(addr netip.Addr) bool {
	if l == nil {
		return true
	}
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.buckets[addr]
	if b == nil {
		if len(l.buckets) >= l.maxSources {
			l.sweep(now)
		}
		if len(l.buckets) >= l.maxSources {
			// Spoofed sources by the thousand: they share one bucket rather than grow memory.
			b = &l.overflow
		} else {
			b = &bucket{tokens: l.burst, last: now}
			l.buckets[addr] = b
		}
	}
	l.refill(b, now)
	if b.tokens < 1 {
		return false
	}
	b.tokens--
	return true
}

func (l *rateLimiter) refill(b *bucket, now time.Time) {
	if b.last.IsZero() {
		b.tokens, b.last = l.burst, now
		return
	}
	if el := now.Sub(b.last).Seconds(); el > 0 {
		b.tokens = min(l.burst, b.tokens+el*l.rate)
		b.last = now
	}
}

// sweep forgets the buckets that have refilled completely: they hold no state worth keeping.
func (l *rateLimiter) sweep(now time.Time) {
	for a, b := range l.buckets {
		l.refill(b, now)
		if b.tokens >= l.burst {
			delete(l.buckets, a)
		}
	}
}
