package phone

import (
	"fmt"
	"sync"
)

// maxQueuedSIP bounds the SIP-message events waiting for one slow subscriber (a stalled screen, a
// paused headless reader): beyond it the oldest queued one is dropped and counted. Call, media and
// registration events are never dropped; stats are coalesced (only the newest per call waits).
const maxQueuedSIP = 2048

// eventQueue is a subscription's FIFO. Producers never block (the SIP transport and the call
// goroutines must not wait on a slow reader) and its size is bounded by the number of live calls
// plus maxQueuedSIP plus the state changes the reader has not taken yet.
type eventQueue struct {
	mu      sync.Mutex
	items   []Event
	sips    int    // EventSIP in items
	dropped uint64 // EventSIP dropped since the last take
	total   uint64 // EventSIP dropped ever
	closed  bool
	wake    chan struct{}
}

func newEventQueue() *eventQueue { return &eventQueue{wake: make(chan struct{}, 1)} }

// push adds e; it reports false when the queue is closed.
func (q *eventQueue) push(e Event) bool {
	q.mu.Lock()
	if q.closed {
		q.mu.Unlock()
		return false
	}
	switch ev := e.(type) {
	case EventStats:
		if q.replaceStats(ev) {
			q.mu.Unlock()
			q.signal()
			return true
		}
	case EventSIP:
		if q.sips >= maxQueuedSIP {
			q.dropOldestSIP()
		}
		q.sips++
	}
	q.items = append(q.items, e)
	q.mu.Unlock()
	q.signal()
	return true
}

// replaceStats puts ev in the place of a queued stats event of the same call: the reader gets the
// newest figures in the position of the first one it missed.
func (q *eventQueue) replaceStats(ev EventStats) bool {
	for i, old := range q.items {
		if s, ok := old.(EventStats); ok && s.ID == ev.ID {
			q.items[i] = ev
			return true
		}
	}
	return false
}

func (q *eventQueue) dropOldestSIP() {
	for i, old := range q.items {
		if _, ok := old.(EventSIP); ok {
			q.items = append(q.items[:i], q.items[i+1:]...)
			q.sips--
			q.dropped++
			q.total++
			return
		}
	}
}

// take removes and returns everything queued; when SIP events were dropped since the last take, a
// warning notice saying how many comes first.
func (q *eventQueue) take() []Event {
	q.mu.Lock()
	defer q.mu.Unlock()
	items := q.items
	q.items, q.sips = nil, 0
	if q.dropped > 0 {
		n := EventNotice{Level: "warn", Message: fmt.Sprintf(
			"%d SIP message events dropped: this reader fell behind (the --sip-trace file has every message)", q.dropped)}
		items = append([]Event{n}, items...)
		q.dropped = 0
	}
	return items
}

// droppedSIP is the number of SIP events this queue ever dropped.
func (q *eventQueue) droppedSIP() uint64 {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.total
}

// close drops later pushes; what is queued can still be taken.
func (q *eventQueue) close() {
	q.mu.Lock()
	q.closed = true
	q.mu.Unlock()
	q.signal()
}

// isClosed reports whether close was called.
func (q *eventQueue) isClosed() bool {
	q.mu.Lock()
	defer q.mu.Unlock()
	return q.closed
}

func (q *eventQueue) signal() {
	select {
	case q.wake <- struct{}{}:
	default:
	}
}
