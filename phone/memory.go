package phone

import (
	"runtime/debug"
	"sync"
	"time"
)

// Memory after a burst of calls. sipgo v1.7.2 keeps each answered call's INVITE transaction
// until its Timer L fires (32 s after the answer: Terminate does not stop that timer) and each
// BYE's for Timer J (32 s); Go's background scavenger then returns the freed heap to the OS
// only slowly. Measured (make soak, 10,000 calls at 400/s): 40 s after the load the live heap
// was back to 7.5 MB but RSS still 164 MB. So whenever the registry becomes empty the phone
// frees memory to the OS at once (at most every freeMemEvery), and again once those timers
// have run out.
const (
	freeMemEvery = 5 * time.Second
	freeMemAfter = txLinger + 2*time.Second // Timer L/J and a margin
)

// txLinger is how long sipgo keeps a finished server transaction over UDP: Timer L (RFC 6026:
// an answered INVITE's, from our 2xx) and Timer J (RFC 3261: a non-INVITE's, from its final
// response), both 64*T1 = 32 s by default. Each holds the request, our response and the
// transaction (a few KB a call) and sipgo does not stop Timer L when the transaction is
// terminated, so at 400 calls/s the default kept ~12,800 calls' INVITEs, 200s, BYEs and their
// 200s alive (131 MB of live heap). What the timers are for, and what a shorter wait costs:
//   - Timer L lets the dialog retransmit our 2xx through the transaction until the ACK comes
//     (sipgo: at T1 = 0.5 s, then every T2 = 4 s) and absorbs the caller's INVITE
//     retransmissions. A retransmission after it fails the answer: with 8 s the 200 goes out
//     at 0, 0.5 and 4.5 s and the ACK must come before 8.5 s (the default allowed 32 s of
//     outage at set-up). A late INVITE copy reaches onInvite, which answers 482 while the
//     call lives (the copy has no To tag).
//   - Timer J absorbs a non-INVITE request's retransmissions (they come only when our final
//     response was lost, at most T2 = 4 s apart): after it a copy is handled again, a BYE gets
//     481 (the caller ends the dialog on either) and an INFO digit would repeat — after two
//     lost responses in a row.
//
// Over TCP and TLS sipgo ends these transactions at once; this is the price of UDP.
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
