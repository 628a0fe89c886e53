package media

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"
)

// lingerQueued is the linger where the kernel stamps arrivals: no goroutine waits on the
// socket. What the peer sends queues in the kernel (its memory, bounded by the socket's
// receive buffer); one timer at closed+l.For, or the end of l.Ctx, drains the queue without
// blocking, each datagram with its arrival time, then closes the socket.
func lingerQueued(conn *net.UDPConn, l Linger, closed time.Time) {
	q := &queuedLinger{conn: conn, l: l, closed: closed}
	q.drops0, _ = socketDrops(conn)
	q.mu.Lock() // end waits until both triggers are armed (Ctx may have ended already)
	defer q.mu.Unlock()
	q.timer = time.AfterFunc(time.Until(closed.Add(l.For)), q.end)
	if l.Ctx != nil {
		q.stopCtx = context.AfterFunc(l.Ctx, q.end)
	}
}

// queuedLinger is all that an ended call's linger holds.
type queuedLinger struct {
	conn   *net.UDPConn
	l      Linger
	closed time.Time
	drops0 uint32 // the socket's drop count at Close

	mu      sync.Mutex
	ended   bool
	timer   *time.Timer
	stopCtx func() bool
}

// end runs once, from whichever trigger fires first, and disarms the other.
func (q *queuedLinger) end() {
	q.mu.Lock()
	if q.ended {
		q.mu.Unlock()
		return
	}
	q.ended = true
	q.timer.Stop()
	if q.stopCtx != nil {
		q.stopCtx()
	}
	q.mu.Unlock()
	late := q.l.Late
	if late == nil {
		late = func(time.Duration, netip.AddrPort, []byte) {}
	}
	_ = drainStamped(q.conn, func(at time.Time, from netip.AddrPort, data []byte) {
		late(max(at.Sub(q.closed), 0), from, data) // queued before Close: 0
	})
	if d, ok := socketDrops(q.conn); ok && d > q.drops0 && q.l.Dropped != nil {
		q.l.Dropped(int(d - q.drops0))
	}
	lingerEnd(q.conn, q.l)
}
