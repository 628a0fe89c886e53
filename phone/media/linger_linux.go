package media

import (
	"errors"
	"fmt"
	"net"
	"net/netip"
	"time"
	"unsafe"

	"golang.org/x/sys/unix"
)

// stampArrivals asks the kernel to stamp each datagram the socket receives with its arrival
// time (SO_TIMESTAMPNS), which a later read gets as a control message.
func stampArrivals(conn *net.UDPConn) error {
	rc, err := conn.SyscallConn()
	if err != nil {
		return fmt.Errorf("turning on arrival stamps: %w", err)
	}
	var serr error
	if err := rc.Control(func(fd uintptr) {
		serr = unix.SetsockoptInt(int(fd), unix.SOL_SOCKET, unix.SO_TIMESTAMPNS, 1)
	}); err != nil {
		return fmt.Errorf("turning on arrival stamps: %w", err)
	}
	if serr != nil {
		return fmt.Errorf("turning on arrival stamps: %w", serr)
	}
	return nil
}

// lingerDrainMax bounds a drain against a peer that floods the port while it runs (a default
// receive buffer holds a few hundred RTP datagrams).
const lingerDrainMax = 4096

// drainStamped reads what the socket has queued, without waiting for more, and hands each
// datagram (its first lingerReadSize bytes) to f with its arrival time (zero if the kernel gave
// none).
func drainStamped(conn *net.UDPConn, f func(at time.Time, from netip.AddrPort, data []byte)) error {
	// a deadline in the past (stopRTPReader's) would fail the read before it is tried
	if err := conn.SetReadDeadline(time.Time{}); err != nil {
		return fmt.Errorf("draining the lingering RTP socket: %w", err)
	}
	rc, err := conn.SyscallConn()
	if err != nil {
		return fmt.Errorf("draining the lingering RTP socket: %w", err)
	}
	var buf [lingerReadSize]byte
	var oob [64]byte // one SCM_TIMESTAMPNS: 16-byte header and a 16-byte timespec
	var rerr error
	err = rc.Read(func(fd uintptr) bool {
		for range lingerDrainMax {
			n, oobn, _, sa, err := unix.Recvmsg(int(fd), buf[:], oob[:], unix.MSG_DONTWAIT)
			switch {
			case errors.Is(err, unix.EINTR):
				continue
			case errors.Is(err, unix.EAGAIN):
				return true // drained: done, do not wait
			case err != nil:
				rerr = err
				return true
			}
			f(arrival(oob[:oobn]), sockaddrPort(sa), buf[:n])
		}
		return true
	})
	if err == nil {
		err = rerr
	}
	if err != nil {
		return fmt.Errorf("draining the lingering RTP socket: %w", err)
	}
	return nil
}

// arrival is the SCM_TIMESTAMPNS time in a datagram's control messages, or the zero time.
func arrival(oob []byte) time.Time {
	msgs, err := unix.ParseSocketControlMessage(oob)
	if err != nil {
		return time.Time{}
	}
	for _, m := range msgs {
		var ts unix.Timespec
		if m.Header.Level != unix.SOL_SOCKET || m.Header.Type != unix.SCM_TIMESTAMPNS || len(m.Data) < int(unsafe.Sizeof(ts)) {
			continue
		}
		// copied, not cast: the control buffer need not be aligned for a timespec
		copy(unsafe.Slice((*byte)(unsafe.Pointer(&ts)), unsafe.Sizeof(ts)), m.Data)
		return time.Unix(ts.Unix())
	}
	return time.Time{}
}

func sockaddrPort(sa unix.Sockaddr) netip.AddrPort {
	switch a := sa.(type) {
	case *unix.SockaddrInet4:
		return netip.AddrPortFrom(netip.AddrFrom4(a.Addr), uint16(a.Port))
	case *unix.SockaddrInet6:
		return netip.AddrPortFrom(netip.AddrFrom16(a.Addr).Unmap(), uint16(a.Port))
	}
	return netip.AddrPort{}
}

// socketDrops is how many datagrams the kernel has dropped on the socket so far (a full
// receive queue, mostly).
func socketDrops(conn *net.UDPConn) (uint32, bool) {
	mem, ok := socketMeminfo(conn)
	return mem[unix.SK_MEMINFO_DROPS], ok
}

// socketMeminfo is the socket's SO_MEMINFO counters (unix.SK_MEMINFO_*).
func socketMeminfo(conn *net.UDPConn) (mem [unix.SK_MEMINFO_VARS]uint32, ok bool) {
	rc, err := conn.SyscallConn()
	if err != nil {
		return mem, false
	}
	size := uint32(unsafe.Sizeof(mem))
	var errno unix.Errno
	if err := rc.Control(func(fd uintptr) {
		// x/sys has no getsockopt for an array of counters
		_, _, errno = unix.Syscall6(unix.SYS_GETSOCKOPT, fd, unix.SOL_SOCKET, unix.SO_MEMINFO,
			uintptr(unsafe.Pointer(&mem)), uintptr(unsafe.Pointer(&size)), 0)
	}); err != nil || errno != 0 || size < uint32(unsafe.Sizeof(mem)) {
		return mem, false
	}
	return mem, true
}
