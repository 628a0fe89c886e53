package phone

import (
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Overload: new INVITEs the phone cannot set up in time get a quick 503 with Retry-After
// instead of queueing. The signal is the number of INVITE transactions in progress: accepted
// by screening and not yet finished (answered and ACKed, or refused, cancelled, timed out).
// A person has one or two ringing at a time and an auto-answered call needs a few ms; when
// set-ups arrive faster than the CPU serves them they overlap (200s and ACKs wait in the same
// queue) and the count grows with the backlog a caller would otherwise wait in while its
// INVITE and our 200 are retransmitted. The default (64) is above max_calls' default (8).
const (
	refusedOverload  = "overload"
	overloadRetryS   = 2 // Retry-After (seconds): the backlog drains in well under that
	overloadLogEvery = 10 * time.Second
)

type setupGate struct {
	max int

	mu      sync.Mutex
	active  int
	lastLog time.Time
}

// enter admits one set-up; false when max set-ups are already in progress.
func (g *setupGate) enter() bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.max > 0 && g.active >= g.max {
		return false
	}
	g.active++
	return true
}

// leaver returns a func that ends the set-up once, however many times it is called.
func (g *setupGate) leaver() func() {
	var once sync.Once
	return func() {
		once.Do(func() {
			g.mu.Lock()
			g.active--
			g.mu.Unlock()
		})
	}
}

// shouldLog says whether this refusal is the first of a burst (a flood must not flood the log).
func (g *setupGate) shouldLog(now time.Time) bool {
	g.mu.Lock()
	defer g.mu.Unlock()
	if now.Sub(g.lastLog) < overloadLogEvery {
		return false
	}
	g.lastLog = now
	return true
}

// admitSetup is called after screening: it returns the func that ends the set-up, or nil and
// the 503 to answer. Unlike a screening 404 the transaction is kept until the caller's ACK: a
// retransmitted INVITE must get the same 503 from it, not reach the handler again when a slot
// is free (measured: such a copy was answered 200 after the caller had given up, and the call
// waited 32 s for an ACK that never came, holding a set-up slot).
func (p *Phone) admitSetup() (func(), refusal) {
	g := &p.setups
	if g.enter() {
		return g.leaver(), refusal{}
	}
	p.screen.count(refusedOverload)
	if g.shouldLog(timeNow()) {
		p.notice("warn", fmt.Sprintf("overload: %d calls being set up (max_setups); new calls get 503 with Retry-After %d s",
			g.max, overloadRetryS))
	}
	return nil, refusal{code: 503, reason: "Service Unavailable",
		headers: []sip.Header{sip.NewHeader("Retry-After", strconv.Itoa(overloadRetryS))}}
}
