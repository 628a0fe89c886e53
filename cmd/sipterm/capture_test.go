package main

import (
	"encoding/binary"
	"errors"
	"math"
	"net"
	"sync"
	"syscall"
	"testing"
	"time"
)

// udpCapture records the UDP datagrams on the loopback interface whose source or destination
// port is in [lo, hi], through an AF_PACKET socket (the e2e tests run as root in their own
// network namespace; no capture tool is needed). Loopback shows every datagram twice (out
// and in); that does not matter for the checks made on it.
type udpCapture struct {
	fd     int
	lo, hi uint16
	wg     sync.WaitGroup
	mu     sync.Mutex
	pkts   []capturedUDP
	stop   chan struct{}
}

type capturedUDP struct {
	src, dst uint16
	payload  []byte
}

func htons(v uint16) uint16 { return v<<8 | v>>8 }

func startCapture(t *testing.T, lo, hi uint16) *udpCapture {
	t.Helper()
	ifc, err := net.InterfaceByName("lo")
	if err != nil {
		t.Fatalf("capture: %v", err)
	}
	fd, err := syscall.Socket(syscall.AF_PACKET, syscall.SOCK_DGRAM, int(htons(syscall.ETH_P_IP)))
	if err != nil {
		t.Fatalf("capture: AF_PACKET socket (needs CAP_NET_RAW, as make test has): %v", err)
	}
	if err := syscall.Bind(fd, &syscall.SockaddrLinklayer{Protocol: htons(syscall.ETH_P_IP), Ifindex: ifc.Index}); err != nil {
		syscall.Close(fd)
		t.Fatalf("capture: bind to lo: %v", err)
	}
	tv := syscall.NsecToTimeval(int64(200 * time.Millisecond))
	_ = syscall.SetsockoptTimeval(fd, syscall.SOL_SOCKET, syscall.SO_RCVTIMEO, &tv)
	c := &udpCapture{fd: fd, lo: lo, hi: hi, stop: make(chan struct{})}
	c.wg.Add(1)
	go c.run()
	t.Cleanup(c.close)
	return c
}

func (c *udpCapture) run() {
	defer c.wg.Done()
	buf := make([]byte, 65536)
	for {
		select {
		case <-c.stop:
			return
		default:
		}
		n, _, err := syscall.Recvfrom(c.fd, buf, 0)
		if err != nil {
			if errors.Is(err, syscall.EAGAIN) || errors.Is(err, syscall.EINTR) {
				continue
			}
			return
		}
		c.take(buf[:n])
	}
}

// take keeps an IPv4/UDP datagram within the port range.
func (c *udpCapture) take(ip []byte) {
	if len(ip) < 20 || ip[0]>>4 != 4 || ip[9] != syscall.IPPROTO_UDP {
		return
	}
	ihl := int(ip[0]&0x0F) * 4
	if len(ip) < ihl+8 {
		return
	}
	udp := ip[ihl:]
	src, dst := binary.BigEndian.Uint16(udp[0:]), binary.BigEndian.Uint16(udp[2:])
	in := func(p uint16) bool { return p >= c.lo && p <= c.hi }
	if !in(src) && !in(dst) {
		return
	}
	ulen := int(binary.BigEndian.Uint16(udp[4:]))
	if ulen < 8 || ulen > len(udp) {
		return
	}
	c.mu.Lock()
	c.pkts = append(c.pkts, capturedUDP{src: src, dst: dst, payload: append([]byte(nil), udp[8:ulen]...)})
	c.mu.Unlock()
}

func (c *udpCapture) close() {
	select {
	case <-c.stop:
		return
	default:
	}
	close(c.stop)
	c.wg.Wait()
	syscall.Close(c.fd)
}

// packets stops the capture and returns what it holds.
func (c *udpCapture) packets() []capturedUDP {
	c.close()
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.pkts
}

// byteEntropy is the Shannon entropy of the bytes, in bits per byte (8 = random).
func byteEntropy(chunks [][]byte) float64 {
	var hist [256]float64
	total := 0.0
	for _, b := range chunks {
		for _, x := range b {
			hist[x]++
		}
		total += float64(len(b))
	}
	if total == 0 {
		return 0
	}
	h := 0.0
	for _, n := range hist {
		if n > 0 {
			p := n / total
			h -= p * math.Log2(p)
		}
	}
	return h
}
