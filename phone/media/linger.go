package media

import (
	"context"
	"net"
	"net/netip"
	"sync"
	"time"
)

// Linger keeps a closed session's RTP socket open a short while, so that RTP a peer still sends
// after the call ended can be counted (the media-path doctor's rtp_after_bye) instead of being
// refused by the kernel unseen. The wait is bounded by For; nothing is sent or played.
type Linger struct {
	For  time.Duration
	Ctx  context.Context // its end cuts the wait short (the phone shutting down); nil: never
	WG   *sync.WaitGroup // counts the pending linger, so that its owner can wait for it at shutdown
	Late func(since time.Duration, from netip.AddrPort, data []byte)
	// Dropped, if set, learns how many datagrams the kernel dropped during the linger because
	// the socket's queue was full (Late saw only the others); it runs before Done, and only
	// when some were dropped.
	Dropped func(n int)
	Done    func() // after the socket is closed
}

type lingerState struct {
	mu      sync.Mutex
	l       Linger
	stamped bool // the kernel stamps each datagram's arrival on the RTP socket
}

// SetLinger asks Close to keep the RTP socket open for l.For (0: close at once, the default).
// Late runs with each datagram (its first lingerReadSize bytes) and how long after Close it
// arrived. SetLinger turns on the kernel's arrival stamps at once, so that every datagram
// queued after Close carries its own.
func (s *Session) SetLinger(l Linger) {
	stamped := l.For > 0 && stampArrivals(s.rtpConn) == nil
	s.linger.mu.Lock()
	s.linger.l = l
	s.linger.stamped = stamped
	s.linger.mu.Unlock()
}

// stopRTPReader makes rtpLoop return: it closes the socket, or, when lingering, only wakes the
// reader (closing is set, so it returns) and leaves the socket to linger.
func (s *Session) stopRTPReader() {
	s.linger.mu.Lock()
	l := s.linger.l
	s.linger.mu.Unlock()
	if l.For <= 0 {
		_ = s.rtpConn.Close()
		return
	}
	_ = s.rtpConn.SetReadDeadline(time.Now())
}

// lingerReadSize is how much of each late datagram the linger reads: the RTP header is all its
// Late needs, and a 1500-byte buffer per ended call adds up at hundreds of calls a second (a
// longer datagram is truncated, which UDP reads allow).
const lingerReadSize = 64

// lingerRTP runs after the media goroutines are gone: it leaves the RTP socket open until l.For
// has passed since closed (or l.Ctx ends), hands what came to Late, then closes it.
func (s *Session) lingerRTP(closed time.Time) {
	s.linger.mu.Lock()
	l, stamped := s.linger.l, s.linger.stamped
	s.linger.mu.Unlock()
	if l.For <= 0 {
		return
	}
	if l.WG != nil {
		l.WG.Add(1)
	}
	// not methods: the ended Session and its buffers can go
	if stamped {
		lingerQueued(s.rtpConn, l, closed)
		return
	}
	go lingerOn(s.rtpConn, l, closed)
}

// lingerEnd closes the lingering socket and tells the owner.
func lingerEnd(conn *net.UDPConn, l Linger) {
	_ = conn.Close()
	if l.Done != nil {
		l.Done()
	}
	if l.WG != nil {
		l.WG.Done()
	}
}

// lingerOn is the linger where the kernel does not stamp arrivals: a goroutine blocked on the
// socket, holding only it and a small read buffer, stamps each datagram as it reads it.
func lingerOn(conn *net.UDPConn, l Linger, closed time.Time) {
	defer lingerEnd(conn, l)
	if err := conn.SetReadDeadline(closed.Add(l.For)); err != nil {
		return
	}
	if l.Ctx != nil {
		stop := context.AfterFunc(l.Ctx, func() { _ = conn.SetReadDeadline(time.Now()) })
		defer stop()
	}
	var buf [lingerReadSize]byte
	for {
		n, src, err := conn.ReadFromUDPAddrPort(buf[:])
		if err != nil {
			return // the deadline, or the socket is gone
		}
		if l.Late != nil {
			l.Late(time.Since(closed), netip.AddrPortFrom(src.Addr().Unmap(), src.Port()), buf[:n])
		}
	}
}
