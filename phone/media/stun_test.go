package media

import (
	"context"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/pion/stun/v3"
)

// stunResponder answers Binding requests on a loopback socket with a fixed mapped address,
// after ignoring the first `drop` requests (the client must re-send).
func stunResponder(t *testing.T, mapped netip.AddrPort, drop int) string {
	t.Helper()
	conn, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 1500)
		for {
			n, src, err := conn.ReadFromUDP(buf)
			if err != nil {
				return
			}
			req := &stun.Message{Raw: append([]byte(nil), buf[:n]...)}
			if req.Decode() != nil {
				continue
			}
			if drop > 0 {
				drop--
				continue
			}
			res, err := stun.Build(stun.NewTransactionIDSetter(req.TransactionID), stun.BindingSuccess,
				&stun.XORMappedAddress{IP: mapped.Addr().AsSlice(), Port: int(mapped.Port())}, stun.Fingerprint)
			if err != nil {
				continue
			}
			_, _ = conn.WriteToUDP(res.Raw, src)
		}
	}()
	return conn.LocalAddr().String()
}

func TestMapRTP(t *testing.T) {
	mapped := netip.MustParseAddrPort("203.0.113.2:40010")
	tests := []struct {
		name string
		drop int
	}{
		{"first answer", 0},
		{"after a lost request", 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			server := stunResponder(t, mapped, tt.drop)
			s, err := NewSession(Config{LocalIP: netip.MustParseAddr("127.0.0.1"), PortMin: 30000, PortMax: 30999})
			if err != nil {
				t.Fatal(err)
			}
			defer s.Close()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			got, err := s.MapRTP(ctx, server)
			if err != nil {
				t.Fatal(err)
			}
			if got != mapped {
				t.Fatalf("mapped %v, want %v", got, mapped)
			}
		})
	}
}

func TestMapRTPNoServer(t *testing.T) {
	s, err := NewSession(Config{LocalIP: netip.MustParseAddr("127.0.0.1"), PortMin: 30000, PortMax: 30999})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // no time at all: one request, no answer
	if _, err := s.MapRTP(ctx, "127.0.0.1:9"); err == nil {
		t.Fatal("want an error without an answer")
	}
}

func TestOpenPinhole(t *testing.T) {
	peer, err := net.ListenUDP("udp4", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1)})
	if err != nil {
		t.Fatal(err)
	}
	defer peer.Close()
	s, err := NewSession(Config{LocalIP: netip.MustParseAddr("127.0.0.1"), PortMin: 30000, PortMax: 30999})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	tests := []struct {
		name string
		dst  netip.AddrPort
		sent bool
	}{
		{"no address yet", netip.AddrPort{}, false},
		{"held (0.0.0.0)", netip.MustParseAddrPort("0.0.0.0:4000"), false},
		{"the peer", peer.LocalAddr().(*net.UDPAddr).AddrPort(), true},
	}
	for _, tt := range tests {
		if err := s.OpenPinhole(tt.dst); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
	}
	buf := make([]byte, 16)
	_ = peer.SetReadDeadline(time.Now().Add(5 * time.Second))
	n, src, err := peer.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatalf("the peer got nothing: %v", err)
	}
	if n != 0 || src.Port() != s.LocalAddr().Port() {
		t.Fatalf("got %d bytes from %v, want an empty datagram from the RTP port %d", n, src, s.LocalAddr().Port())
	}
}
