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
	WG   *sync.WaitGroup // counts the lingering goroutine, so that its owner can wait for it at shutdown
	Late func(since time.Duration, from netip.AddrPort, data []byte)
	Done func() // after the socket is closed
}

type lingerState struct {
	mu sync.Mutex
	l  Linger
}

// SetLinger asks Close to keep the RTP socket open for l.For (0: close at once, the default).
// Late runs on the lingering goroutine with each datagram (its first lingerReadSize bytes) and
// how long after Close it came.
func (s *Session) SetLinger(l Linger) {
	s.linger.mu.Lock()
	s.linger.l = l
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

// lingerRTP runs after the media goroutines are gone: it reads the RTP socket until l.For has
// passed since closed, then closes it.
func (s *Session) lingerRTP(closed time.Time) {
	s.linger.mu.Lock()
	l := s.linger.l
	s.linger.mu.Unlock()
	if l.For <= 0 {
		return
	}
	if l.WG != nil {
		l.WG.Add(1)
	}
	go lingerOn(s.rtpConn, l, closed) // not a method: the ended Session and its buffers can go
}

// lingerOn holds only the socket and a small read buffer.
func lingerOn(conn *net.UDPConn, l Linger, closed time.Time) {
	if l.WG != nil {
		defer l.WG.Done()
	}
	defer func() {
		_ = conn.Close()
		if l.Done != nil {
			l.Done()
		}
	}()
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
