package phone

import (
	"context"
	"net/netip"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/config"
)

// response parses a REGISTER answer with the given top Via.
func response(t *testing.T, via string) *sip.Response {
	t.Helper()
	raw := "SIP/2.0 200 OK\r\nVia: " + via + "\r\nFrom: <sip:alice@example.org>;tag=1\r\nTo: <sip:alice@example.org>;tag=2\r\n" +
		"Call-ID: x\r\nCSeq: 2 REGISTER\r\nContent-Length: 0\r\n\r\n"
	msg, err := sip.ParseMessage([]byte(raw))
	if err != nil {
		t.Fatal(err)
	}
	return msg.(*sip.Response)
}

func TestViaAddress(t *testing.T) {
	tests := []struct {
		name, via string
		want      string
		udp, ok   bool
	}{
		{"received and rport", "SIP/2.0/UDP 192.168.77.2:5130;branch=z9hG4bK1;rport=40046;received=203.0.113.2", "203.0.113.2:40046", true, true},
		{"rport only", "SIP/2.0/UDP 127.0.0.1:5070;branch=z9hG4bK1;rport=5070", "127.0.0.1:5070", true, true},
		{"rport not filled in", "SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK1;rport", "10.0.0.2:5070", true, true},
		{"received only", "SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK1;received=198.51.100.7", "198.51.100.7:5070", true, true},
		{"no port", "SIP/2.0/UDP 10.0.0.2;branch=z9hG4bK1", "10.0.0.2:5060", true, true},
		{"tcp", "SIP/2.0/TCP 10.0.0.2:5070;branch=z9hG4bK1;rport=53311;received=198.51.100.7", "198.51.100.7:53311", false, true},
		{"ipv6", "SIP/2.0/UDP [2001:db8::2]:5070;branch=z9hG4bK1;rport=6000;received=2001:db8::9", "[2001:db8::9]:6000", true, true},
		{"host name", "SIP/2.0/UDP phone.example.org:5070;branch=z9hG4bK1", "", true, false},
		{"bad rport", "SIP/2.0/UDP 10.0.0.2:5070;branch=z9hG4bK1;rport=99999", "", true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ap, udp, ok := viaAddress(response(t, tt.via))
			if ok != tt.ok {
				t.Fatalf("ok = %v, want %v (%v)", ok, tt.ok, ap)
			}
			if !ok {
				return
			}
			if ap.String() != tt.want || udp != tt.udp {
				t.Fatalf("got %v udp=%v, want %s udp=%v", ap, udp, tt.want, tt.udp)
			}
		})
	}
}

func TestContactMoved(t *testing.T) {
	private := netip.MustParseAddrPort("192.168.77.2:5130")
	tests := []struct {
		name    string
		current netip.AddrPort
		via     string
		want    string // "" = no correction
	}{
		{"no NAT", private, "SIP/2.0/UDP 192.168.77.2:5130;branch=z9hG4bK1;rport=5130", ""},
		{"behind a NAT", private, "SIP/2.0/UDP 192.168.77.2:5130;branch=z9hG4bK1;rport=40046;received=203.0.113.2", "203.0.113.2:40046"},
		{"port rewritten only", private, "SIP/2.0/UDP 192.168.77.2:5130;branch=z9hG4bK1;rport=40001", "192.168.77.2:40001"},
		{"already corrected", netip.MustParseAddrPort("203.0.113.2:40046"), "SIP/2.0/UDP 203.0.113.2:40046;branch=z9hG4bK1;rport=40046", ""},
		{"NAT binding moved", netip.MustParseAddrPort("203.0.113.2:40046"), "SIP/2.0/UDP 203.0.113.2:40046;branch=z9hG4bK1;rport=40077;received=203.0.113.2", "203.0.113.2:40077"},
		{"TCP never corrects", private, "SIP/2.0/TCP 192.168.77.2:5130;branch=z9hG4bK1;rport=53311;received=203.0.113.2", ""},
		{"no rport from an old registrar", private, "SIP/2.0/UDP 192.168.77.2:5130;branch=z9hG4bK1", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, moved := contactMoved(tt.current, response(t, tt.via))
			if (tt.want != "") != moved || moved && got.String() != tt.want {
				t.Fatalf("got %v moved=%v, want %q", got, moved, tt.want)
			}
		})
	}
}

func TestOwnsContact(t *testing.T) {
	cfg, err := config.Parse("t.toml", []byte("[[accounts]]\naor = \"sip:alice@example.org\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := &Phone{cfg: cfg, host: "192.168.77.2", port: 5130, mediaIP: netip.MustParseAddr("192.168.77.2")}
	a := newAccount(p, &cfg.Accounts[0])
	a.nat.public = netip.MustParseAddrPort("203.0.113.2:40046")
	tests := []struct {
		name, contact string
		want          bool
	}{
		{"our private address", "<sip:alice@192.168.77.2:5130>;expires=60", true},
		{"our public address", "<sip:alice@203.0.113.2:40046>;expires=60", true},
		{"rewritten by the registrar, our instance", "<sip:alice@198.51.100.1:7777>;expires=60;+sip.instance=" + a.nat.instance, true},
		{"fix_nated_register received", "<sip:alice@192.168.77.9:5130>;expires=60;received=\"sip:203.0.113.2:40046\"", true},
		{"someone else's instance", "<sip:alice@198.51.100.1:7777>;+sip.instance=\"<urn:uuid:00000000-0000-0000-0000-000000000000>\"", false},
		{"another phone", "<sip:alice@192.168.77.3:5130>;expires=60", false},
		{"our host, other port", "<sip:alice@203.0.113.2:40047>", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c sip.ContactHeader
			c.Params = sip.NewParams()
			if _, err := sip.ParseAddressValue(tt.contact, &c.Address, &c.Params); err != nil {
				t.Fatal(err)
			}
			if got := a.ownsContact(&c); got != tt.want {
				t.Fatalf("ownsContact(%s) = %v, want %v", tt.contact, got, tt.want)
			}
		})
	}
	// The Contact we send follows the public address over UDP only.
	udp, tcp := a.contactHeader(""), a.contactHeader("TCP")
	if got := udp.Address.HostPort(); got != "203.0.113.2:40046" {
		t.Fatalf("UDP contact %s, want the public address", got)
	}
	if got := tcp.Address.HostPort(); got != "192.168.77.2:5130" {
		t.Fatalf("TCP contact %s, want our own address", got)
	}
}

// The keep-alive loop sends once per period of the injected clock and stops with its context.
func TestKeepaliveLoopSchedule(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	ticks := make(chan time.Time)
	var periods []time.Duration
	after := func(d time.Duration) <-chan time.Time { periods = append(periods, d); return ticks }
	sent := make(chan struct{})
	done := make(chan struct{})
	go func() {
		defer close(done)
		keepaliveLoop(ctx, 2*time.Second, after, func(context.Context) { sent <- struct{}{} })
	}()
	for i := 0; i < 3; i++ {
		ticks <- time.Time{}
		<-sent
	}
	cancel()
	<-done
	if len(periods) != 4 { // three ticks taken, and the fourth wait that the cancel ended
		t.Fatalf("waited %d times, want 4", len(periods))
	}
	for _, d := range periods {
		if d != 2*time.Second {
			t.Fatalf("waited %v, want the 2s period", d)
		}
	}
}
