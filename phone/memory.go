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
	freeMemAfter = 34 * time.Second // Timer L/J (32 s) and a margin
)

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
