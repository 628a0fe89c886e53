package phone

import (
	"runtime/debug"
	"sync"
	"time"
)

// Memory after a burst of calls. sipgo v1.7.2 keeps each finished server transaction (and the
// request, response and dialog it holds) until its Timer L, H or J fires: Terminate does not
// stop Timer L. The phone shortens them (txLinger), and Go's background scavenger returns the
// freed heap to the OS only slowly (measured before: 40 s after 10,000 calls at 400/s the live
// heap was back to 7.5 MB but RSS still 164 MB). So whenever the registry becomes empty the
// phone frees memory to the OS at once (at most every freeMemEvery), and again once those
// timers have run out.
const (
	freeMemEvery = 5 * time.Second
	freeMemAfter = txLinger + 2*time.Second // Timer L/H/J and a margin
)

// txLinger is how long sipgo keeps a finished server transaction: Timer L (RFC 6026: an
// answered INVITE's, from our 2xx), Timer H (a refused INVITE's, until its ACK) and Timer J
// (RFC 3261: a non-INVITE's over UDP, from its final response), all 64*T1 = 32 s by default.
// Each holds a few KB a call, so at 400 calls/s the defaults kept ~12,800 calls' INVITEs,
// 200s, dialogs, BYEs and their 200s alive (131 MB of live heap). What the timers are for, and
// what a shorter wait costs:
//   - Timer L lets the dialog retransmit our 2xx through the transaction until the ACK comes
//     (sipgo: at T1 = 0.5 s, then every T2 = 4 s) and absorbs the caller's INVITE
//     retransmissions. A retransmission after it fails the answer: with 8 s the 200 goes out
//     at 0, 0.5 and 4.5 s and the ACK must come before 8.5 s (the default allowed 32 s of
//     outage at set-up). A late INVITE copy reaches onInvite, which answers 482 while the
//     call lives (the copy has no To tag).
//   - Timer H bounds the wait for the ACK of a non-2xx final answer (a refusal: 486, 503...),
//     resent meanwhile at T1, 2T1... T2 over UDP. A caller that never ACKs (SIPp scenarios
//     that do not expect the overload gate's 503) kept each refusal 32 s and got it eleven
//     times: under overload, more sends and most of the 98 MB heap in use after 8,600
//     refusals. Now five copies go out over 8 s; a caller that missed all five retransmits
//     its INVITE, which meets a new transaction.
//   - Timer J absorbs a non-INVITE request's retransmissions (they come only when our final
//     response was lost, at most T2 = 4 s apart): after it a copy is handled again, a BYE gets
//     481 (the caller ends the dialog on either) and an INFO digit would repeat — after two
//     lost responses in a row. Over TCP and TLS Timer J is zero anyway.
const txLinger = 8 * time.Second

type memReturn struct {
	mu    sync.Mutex
	last  time.Time
	timer *time.Timer
}

// idle is called when the registry becomes empty.
func (m *memReturn) idle(p *Phone) {
	free := func() {
		if p.liveCalls() == 0 {
			debug.FreeOSMemory()
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if now := time.Now(); now.Sub(m.last) >= freeMemEvery {
		m.last = now
		time.AfterFunc(0, free) // not on the goroutine of the call that just ended
	}
	if m.timer != nil {
		m.timer.Reset(freeMemAfter)
		return
	}
	m.timer = time.AfterFunc(freeMemAfter, free)
}

// stop is for Close.
func (m *memReturn) stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.timer != nil {
		m.timer.Stop()
	}
}
