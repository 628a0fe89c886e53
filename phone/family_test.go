package phone

import (
	"context"
	"fmt"
	"net"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/config"
)

func TestHostHelpers(t *testing.T) {
	tests := []struct {
		a, b string
		same bool
	}{
		{"[::1]", "::1", true},
		{"[2001:DB8::1]", "2001:db8::1", true},
		{"[::1]", "127.0.0.1", false},
		{"127.0.0.1", "127.0.0.1", true},
		{"Example.org", "example.org", true},
		{"example.org", "[::1]", false},
	}
	for _, tt := range tests {
		if got := sameHost(tt.a, tt.b); got != tt.same {
			t.Errorf("sameHost(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.same)
		}
	}
	if got := hostIP("[::1]"); got != netip.IPv6Loopback() {
		t.Errorf("hostIP([::1]) = %v", got)
	}
	if got := hostIP("example.org"); got.IsValid() {
		t.Errorf("hostIP(example.org) = %v, want invalid", got)
	}
}

// TestContactIPv6: our Contact with an IPv6 host prints in brackets, and a registrar's copy of
// it (parsed by sipgo, brackets kept) is recognised as ours.
func TestContactIPv6(t *testing.T) {
	p := &Phone{host: "::1", port: 5150}
	tests := []struct{ transport, want string }{
		{"", "<sip:alice@[::1]:5150>"},
		{"UDP", "<sip:alice@[::1]:5150>"},
		{"tcp", "<sip:alice@[::1]:5150;transport=tcp>"},
	}
	for _, tt := range tests {
		ct := p.contact("alice", tt.transport)
		if got := ct.Value(); got != tt.want {
			t.Errorf("contact(%q) = %s, want %s", tt.transport, got, tt.want)
		}
	}
	var back sip.Uri
	if err := sip.ParseUri("sip:alice@[::1]:5150", &back); err != nil {
		t.Fatal(err)
	}
	aor, err := config.ParseURI("sip:alice@[::1]")
	if err != nil {
		t.Fatal(err)
	}
	a := newAccount(p, &config.Account{AORURI: aor, TransportName: "udp"})
	if !a.ownsContact(&sip.ContactHeader{Address: back}) {
		t.Errorf("parsed contact %+v not recognised as ours (host %q)", back, p.host)
	}
	back.Port = 5151
	if a.ownsContact(&sip.ContactHeader{Address: back}) {
		t.Error("a contact on another port taken as ours")
	}
}

// TestMediaAddrs: a call's SDP address and RTP bind follow its peer's family.
func TestMediaAddrs(t *testing.T) {
	v4, v6 := netip.MustParseAddr("127.0.0.1"), netip.IPv6Loopback()
	tests := []struct {
		name, listen, mediaIP string
		peer                  netip.Addr
		advertise, bind       string
	}{
		{"v4 phone, unknown peer", "127.0.0.1:5060", "127.0.0.1", netip.Addr{}, "127.0.0.1", "127.0.0.1"},
		{"v4 phone, v4 peer", "127.0.0.1:5060", "127.0.0.1", v4, "127.0.0.1", "127.0.0.1"},
		{"v4 phone, v6 offer", "127.0.0.1:5060", "127.0.0.1", v6, "::1", "::1"},
		{"0.0.0.0, v4 peer", "0.0.0.0:5060", "127.0.0.1", v4, "127.0.0.1", "0.0.0.0"},
		{"0.0.0.0, v6 offer", "0.0.0.0:5060", "127.0.0.1", v6, "::1", "::1"},
		{"0.0.0.0, :: is no peer", "0.0.0.0:5060", "127.0.0.1", netip.IPv6Unspecified(), "127.0.0.1", "0.0.0.0"},
		{"v6 phone, v6 peer", "[::1]:5060", "::1", v6, "::1", "::1"},
		{"v6 phone, unknown peer", "[::1]:5060", "::1", netip.Addr{}, "::1", "::1"},
		{"v6 phone, v4 peer", "[::1]:5060", "::1", v4, "127.0.0.1", "127.0.0.1"},
		{"dual stack, v4 peer", "[::]:5060", "127.0.0.1", v4, "127.0.0.1", "::"},
		{"dual stack, v6 peer", "[::]:5060", "127.0.0.1", v6, "::1", "::"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := &Phone{cfg: &config.Config{Listen: tt.listen}, mediaIP: netip.MustParseAddr(tt.mediaIP)}
			adv, bind := p.mediaAddrs(tt.peer)
			if adv.String() != tt.advertise || bind.String() != tt.bind {
				t.Errorf("mediaAddrs(%v) = %v, %v; want %s, %s", tt.peer, adv, bind, tt.advertise, tt.bind)
			}
		})
	}
}

// TestListenFamilies: 0.0.0.0 is IPv4 only (Go would make it dual-stack), [::] takes both.
func TestListenFamilies(t *testing.T) {
	tests := []struct {
		listen, local string
		v4, v6        bool
	}{
		{"0.0.0.0:0", "0.0.0.0", true, false},
		{"[::]:0", "::", true, true},
		{"[::1]:0", "::1", false, true},
		{"127.0.0.1:0", "127.0.0.1", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.listen, func(t *testing.T) {
			udp, tcp, err := bindPair(netip.MustParseAddrPort(tt.listen))
			if err != nil {
				t.Fatal(err)
			}
			defer udp.Close()
			defer tcp.Close()
			la := udp.LocalAddr().(*net.UDPAddr).AddrPort()
			if la.Addr().String() != tt.local {
				t.Errorf("UDP bound on %v, want %s", la, tt.local)
			}
			port := la.Port()
			for _, c := range []struct {
				to   string
				want bool
			}{{"127.0.0.1", tt.v4}, {"::1", tt.v6}} {
				addr := net.JoinHostPort(c.to, fmt.Sprint(port))
				conn, err := net.DialTimeout("tcp", addr, 2*time.Second)
				if conn != nil {
					conn.Close()
				}
				if got := err == nil; got != c.want {
					t.Errorf("TCP connect to %s: ok=%v (%v), want ok=%v", addr, got, err, c.want)
				}
			}
		})
	}
}

// TestIPv6CallBetweenPhones: two phones on [::1] call each other over UDP and TCP; SDP, RTP
// and Contact are IPv6 and audio packets arrive both ways.
func TestIPv6CallBetweenPhones(t *testing.T) {
	for _, tc := range []struct{ name, param string }{{"UDP", ""}, {"TCP", ";transport=tcp"}} {
		t.Run(tc.name, func(t *testing.T) {
			a := startPhone6(t, "alice", "[::1]:0")
			b := startPhone6(t, "bob", "[::1]:0")
			if _, err := a.Dial("", b.uri+tc.param); err != nil {
				t.Fatal(err)
			}
			in := b.waitCall(t, StateIncoming)
			if err := b.Answer(in.ID); err != nil {
				t.Fatal(err)
			}
			out := a.waitCall(t, StateEstablished)
			b.waitCall(t, StateEstablished)
			b.mu.Lock()
			c := b.calls[in.ID]
			b.mu.Unlock()
			if c == nil || !strings.HasPrefix(c.srvDlg.InviteRequest.Contact().Address.String(), "sip:alice@[::1]:") {
				t.Errorf("caller's Contact is not its IPv6 address")
			}
			if c != nil && c.srvDlg.InviteRequest.Transport() != tc.name {
				t.Errorf("INVITE came over %s, want %s", c.srvDlg.InviteRequest.Transport(), tc.name)
			}
			for _, tp := range []*testPhone{a, b} {
				m := tp.wait(t, "media", func(e Event) bool { _, ok := e.(EventMedia); return ok }).(EventMedia)
				for _, addr := range []string{m.Local, m.Remote} {
					if ap, err := netip.ParseAddrPort(addr); err != nil || !ap.Addr().Is6() {
						t.Errorf("media event %+v: %q is not an IPv6 address", m, addr)
					}
				}
				waitReceived(t, tp, 10)
			}
			if err := a.Hangup(out.ID); err != nil {
				t.Fatal(err)
			}
			a.waitCall(t, StateTerminated)
			b.waitCall(t, StateTerminated)
			a.assertEmpty(t)
			b.assertEmpty(t)
		})
	}
}

// TestDualStackFollowsCaller: a phone on [::] answers an IPv4 caller with IPv4 media and
// Contact, and an IPv6 caller with IPv6 ones.
func TestDualStackFollowsCaller(t *testing.T) {
	b := startPhone6(t, "bob", "[::]:0")
	// The IPv4 caller listens on 0.0.0.0: the callee's Contact is the host's own IPv4 address
	// (not loopback outside a bare namespace) and the 200 to our BYE comes back to that.
	for _, tc := range []struct{ listen, host string }{{"0.0.0.0:0", "127.0.0.1"}, {"[::1]:0", "[::1]"}} {
		t.Run(tc.host, func(t *testing.T) {
			a := startPhone6(t, "alice", tc.listen)
			b.mu.Lock()
			b.seen = nil
			b.mu.Unlock()
			if _, err := a.Dial("", fmt.Sprintf("sip:bob@%s:%d", tc.host, b.port)); err != nil {
				t.Fatal(err)
			}
			in := b.waitCall(t, StateIncoming)
			if err := b.Answer(in.ID); err != nil {
				t.Fatal(err)
			}
			out := a.waitCall(t, StateEstablished)
			m := b.wait(t, "media", func(e Event) bool { _, ok := e.(EventMedia); return ok }).(EventMedia)
			// the IPv4 address is the phone's own guess (the host's address), the IPv6 one toward ::1
			want := hostIP(tc.host)
			local := netip.MustParseAddrPort(m.Local).Addr()
			if !sameFamily(local, want) || want.Is6() && local != want {
				t.Errorf("dual-stack phone's media address %v for a caller on %s", local, tc.host)
			}
			b.mu.Lock()
			c := b.calls[in.ID]
			b.mu.Unlock()
			if c == nil {
				t.Fatal("call gone")
			}
			if h := hostIP(c.contact("").Address.Host); !sameFamily(h, want) || want.Is6() && h != want {
				t.Errorf("Contact host %q for a caller on %s", h, tc.host)
			}
			waitReceived(t, b, 5)
			if err := a.Hangup(out.ID); err != nil {
				t.Fatal(err)
			}
			b.waitCall(t, StateTerminated)
			b.assertEmpty(t)
		})
	}
}

// startPhone6 is startPhone on a chosen listen address.
func startPhone6(t *testing.T, name, listen string) *testPhone {
	t.Helper()
	text := fmt.Sprintf("listen = %q\naudio = \"null\"\nrtp_timeout = \"0s\"\n[[accounts]]\nname = %q\naor = \"sip:%s@localhost\"\n", listen, name, name)
	cfg, err := config.Parse(name+".toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	tp := &testPhone{Phone: p, sub: p.Subscribe()}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	host := netip.MustParseAddrPort(listen).Addr()
	if host.IsUnspecified() {
		host = netip.IPv6Loopback()
	}
	tp.uri = fmt.Sprintf("sip:%s@%s", name, netip.AddrPortFrom(host, uint16(p.port)))
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p.Close(ctx)
	})
	return tp
}

// waitReceived waits (bounded) until the phone's established call has received n RTP packets.
func waitReceived(t *testing.T, tp *testPhone, n uint64) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		for _, c := range tp.Calls() {
			if c.Stats.PacketsReceived >= n {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("no call received %d RTP packets within 10 s: %+v", n, tp.Calls())
}

// TestOwnAddr: on 0.0.0.0 the phone's own address stays IPv4 even toward an IPv6 registrar;
// on [::] it follows the registrar's family.
func TestOwnAddr(t *testing.T) {
	tests := []struct {
		listen, registrar string
		want6             bool
	}{
		{"0.0.0.0", "sip:[::1]:5060", false},
		{"0.0.0.0", "sip:127.0.0.1:5060", false},
		{"::", "sip:[::1]:5060", true},
		{"::", "sip:127.0.0.1:5060", false},
	}
	for _, tt := range tests {
		t.Run(tt.listen+" "+tt.registrar, func(t *testing.T) {
			reg, err := config.ParseURI(tt.registrar)
			if err != nil {
				t.Fatal(err)
			}
			p := &Phone{cfg: &config.Config{Accounts: []config.Account{{RegistrarURI: &reg}}}}
			got := p.ownAddr(netip.MustParseAddr(tt.listen))
			if got.Is6() != tt.want6 || got.IsUnspecified() {
				t.Errorf("ownAddr = %v, want IPv6=%v", got, tt.want6)
			}
		})
	}
}
