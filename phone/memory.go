package phone

import (
	"runtime/debug"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Memory after a burst of calls. sipgo v1.7.2 keeps each finished server transaction (and the
// request, response and dialog it holds) until its Timer L, H or J fires: Terminate does not
// stop Timer L. The phone shortens them (txLinger, acceptedLinger), and Go's background scavenger returns the
// freed heap to the OS only slowly (measured before: 40 s after 10,000 calls at 400/s the live
// heap was back to 7.5 MB but RSS still 164 MB). So whenever the registry becomes empty the
// phone frees memory to the OS at once (at most every freeMemEvery), and again once those
// timers have run out.
const (
	freeMemEvery = 5 * time.Second
	freeMemAfter = txLinger + 2*time.Second // Timer L/H/J and a margin
)

// txLinger is how long sipgo keeps a finished server transaction: Timer H (a refused INVITE's,
// until its ACK) and Timer J (RFC 3261: a non-INVITE's over UDP, from its final response), both
// 64*T1 = 32 s by default. Each holds a few KB a call, so at 400 calls/s the defaults kept
// ~12,800 calls' requests and responses alive. What the timers are for, and what a shorter wait
// costs:
//   - Timer H bounds the wait for the ACK of a non-2xx final answer (a refusal: 486, 503...),
//     resent meanwhile at T1, 2T1... T2 over UDP. A caller that never ACKs (SIPp scenarios
//     that do not expect the overload gate's 503) kept each refusal 32 s and got it eleven
//     times: under overload, more sends and most of the 98 MB heap in use after 8,600
//     refusals. Now five copies go out over 8 s; a caller that missed all five retransmits
//     its INVITE, which meets a new transaction.
//   - Timer J absorbs a non-INVITE request's retransmissions (they come only when our final
//     response was lost, at most T2 = 4 s apart): after it a copy is handled again (an INFO
//     digit would repeat, after two lost responses in a row). Over TCP and TLS Timer J is zero
//     anyway. A BYE's transaction is not kept at all: onBye ends it once the call has left the
//     registry, and a retransmitted BYE is answered 200 from ended_dialogs.go.
//
// acceptedLinger is Timer L (RFC 6026): how long an answered INVITE's transaction lives after
// our 2xx (sipgo: 32 s). sipgo v1.7.2 (and v1.7.3) arms it with a timer that its Terminate does
// not stop and whose closure holds the transaction, the INVITE, our 200, and the dialog with
// its own copy of the INVITE: ~7 KB a call for the whole of Timer L, however soon the call
// ended (at 400 calls/s with 8 s: ~20 MB of the peak heap). What the phone does instead of
// relying on it:
//   - the 2xx retransmissions until the ACK are the phone's (answer_ack.go, RFC 3261
//     §13.3.1.4, on the RFC's schedule for 64*T1), straight to the transport; sipgo's go
//     through the transaction and stop with it;
//   - a copy of the INVITE that comes after the transaction (the caller missed our 100 and our
//     200) is recognised by its branch: while the call lives, our 200 goes out again; after the
//     call ended, the copy is dropped (ended_dialogs.go) instead of ringing as a new call.
//
// It must exceed T1, so that sipgo's own first retransmission (at T1) still goes out.
var acceptedLinger = 2 * sip.T1

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
