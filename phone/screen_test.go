package phone

import (
	"context"
	"net/netip"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/config"
)

// screenPhone is a Phone that is not started: screening needs only the configuration.
func screenPhone(t *testing.T, text string) *Phone {
	t.Helper()
	cfg, err := config.Parse("screen.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{Config: cfg})
	if err != nil {
		t.Fatal(err)
	}
	// the registrar/proxy hosts resolve without DNS in tests
	p.screen.resolve = func(_ context.Context, host string) ([]netip.Addr, error) {
		if ip, err := netip.ParseAddr(host); err == nil {
			return []netip.Addr{ip}, nil
		}
		return map[string][]netip.Addr{
			"pbx.example": {netip.MustParseAddr("203.0.113.5"), netip.MustParseAddr("2001:db8::5")},
		}[host], nil
	}
	for _, a := range p.accounts {
		p.screen.resolveProxies(context.Background(), a)
	}
	return p
}

// inviteTo builds an INVITE to ruri as if received from src (ip:port).
func inviteTo(t *testing.T, method sip.RequestMethod, ruri, src string) *sip.Request {
	t.Helper()
	var u sip.Uri
	if err := sip.ParseUri(ruri, &u); err != nil {
		t.Fatal(err)
	}
	req := sip.NewRequest(method, u)
	req.AppendHeader(&sip.FromHeader{Address: sip.Uri{Scheme: "sip", User: "caller", Host: "198.51.100.1"}, Params: sip.NewParams()})
	req.AppendHeader(&sip.ToHeader{Address: u, Params: sip.NewParams()})
	req.SetSource(src)
	return req
}

const screenConfig = `
[[accounts]]
name = "direct"
aor = "sip:alice@127.0.0.1"
aliases = ["100", ""]

[[accounts]]
name = "office"
aor = "sip:bob@pbx.example"
registrar = "sip:pbx.example"
outbound_proxy = "sip:192.0.2.50:5070"

[[accounts]]
name = "lan"
aor = "sip:carol@127.0.0.1"
accept_from = ["10.0.0.0/8", "::1"]

[[accounts]]
name = "provider"
aor = "sip:dave@sip.example"
registrar = "sip:sip.example"
accept_from = ["198.51.100.0/24"]
`

func TestScreenInvite(t *testing.T) {
	p := screenPhone(t, screenConfig)
	tests := []struct {
		name, ruri, src string
		account         string // "" = refused
		code            int
		why             string
	}{
		{"own user from anywhere (direct IP)", "sip:alice@127.0.0.1", "192.0.2.99:5060", "direct", 0, ""},
		{"alias", "sip:100@127.0.0.1", "192.0.2.99:5060", "direct", 0, ""},
		{"bare address: the empty alias", "sip:127.0.0.1", "192.0.2.99:5060", "direct", 0, ""},
		{"guessed user", "sip:101@127.0.0.1", "192.0.2.99:5060", "", 404, refusedNotOurs},
		{"user is case-sensitive", "sip:Alice@127.0.0.1", "192.0.2.99:5060", "", 404, refusedNotOurs},
		{"registered: from the registrar", "sip:bob@10.1.1.1", "203.0.113.5:5060", "office", 0, ""},
		{"registered: from the registrar over IPv6", "sip:bob@10.1.1.1", "[2001:db8::5]:5060", "office", 0, ""},
		{"registered: from the outbound proxy", "sip:bob@10.1.1.1", "192.0.2.50:5070", "office", 0, ""},
		{"registered: from anywhere else", "sip:bob@10.1.1.1", "192.0.2.99:5060", "", 404, refusedNotAllowedSrc},
		{"accept_from: inside", "sip:carol@127.0.0.1", "10.9.8.7:5060", "lan", 0, ""},
		{"accept_from: one IPv6 address", "sip:carol@127.0.0.1", "[::1]:5060", "lan", 0, ""},
		{"accept_from: outside", "sip:carol@127.0.0.1", "11.0.0.1:5060", "", 404, refusedNotAllowedSrc},
		{"accept_from replaces the registrar default", "sip:dave@127.0.0.1", "198.51.100.20:5060", "provider", 0, ""},
		{"accept_from replaces the registrar default (registrar itself)", "sip:dave@127.0.0.1", "203.0.113.5:5060", "", 404, refusedNotAllowedSrc},
		{"unknown source", "sip:alice@127.0.0.1", "", "", 404, refusedNotAllowedSrc},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := p.Refused()
			acct, code, reason := p.screenInvite(inviteTo(t, sip.INVITE, tt.ruri, tt.src))
			if code != tt.code {
				t.Fatalf("code %d %s, want %d", code, reason, tt.code)
			}
			if code != 0 {
				// every refusal is the same answer: nothing tells a real user from a guessed one
				if acct != nil || code != 404 || reason != "Not Found" {
					t.Errorf("refusal %v %d %q, want nil 404 Not Found", acct, code, reason)
				}
				if after := p.Refused(); after[tt.why] != before[tt.why]+1 {
					t.Errorf("counter %s: %d -> %d", tt.why, before[tt.why], after[tt.why])
				}
				return
			}
			if acct == nil || acct.cfg.Name != tt.account {
				t.Errorf("account %v, want %s", acct, tt.account)
			}
		})
	}
}

func TestBareAddressDoesNotRingByDefault(t *testing.T) {
	p := screenPhone(t, "[[accounts]]\naor = \"sip:alice@127.0.0.1\"\n")
	if _, code, _ := p.screenInvite(inviteTo(t, sip.INVITE, "sip:127.0.0.1", "192.0.2.99:5060")); code != 404 {
		t.Errorf("bare address: code %d, want 404", code)
	}
	if _, code, _ := p.screenInvite(inviteTo(t, sip.INVITE, "sip:alice@127.0.0.1", "192.0.2.99:5060")); code != 0 {
		t.Errorf("own user: code %d, want it to ring", code)
	}
}

func TestRegisteredAccountRefusesAllBeforeItsRegistrarResolves(t *testing.T) {
	p := screenPhone(t, "[[accounts]]\naor = \"sip:bob@pbx.invalid\"\nregistrar = \"sip:pbx.invalid\"\n")
	if _, code, _ := p.screenInvite(inviteTo(t, sip.INVITE, "sip:bob@127.0.0.1", "127.0.0.1:5060")); code != 404 {
		t.Errorf("code %d, want 404 while no registrar address is known", code)
	}
}

func TestMaxCalls(t *testing.T) {
	p := screenPhone(t, "max_calls = 2\n[[accounts]]\naor = \"sip:alice@127.0.0.1\"\n")
	sub := p.Subscribe()
	tests := []struct {
		live int
		code int
	}{{0, 0}, {1, 0}, {2, 486}, {3, 486}}
	for _, tt := range tests {
		p.mu.Lock()
		clear(p.calls)
		for i := 0; i < tt.live; i++ {
			p.calls[p.newCallID()] = &Call{}
		}
		p.mu.Unlock()
		_, code, reason := p.screenInvite(inviteTo(t, sip.INVITE, "sip:alice@127.0.0.1", "192.0.2.1:5060"))
		if code != tt.code {
			t.Errorf("%d live calls: code %d %s, want %d", tt.live, code, reason, tt.code)
		}
	}
	if got := p.Refused()[refusedBusy]; got != 2 {
		t.Errorf("busy counter %d, want 2", got)
	}
	// a person should know about a refused real call: one notice per refusal
	if notices := countNotices(p, sub, "486"); notices != 2 {
		t.Errorf("%d busy notices, want 2", notices)
	}
}

func TestScannerLoggedOncePerSource(t *testing.T) {
	p := screenPhone(t, "[[accounts]]\naor = \"sip:bob@10.0.0.1\"\nregistrar = \"sip:10.0.0.1\"\n")
	sub := p.Subscribe()
	for i := 0; i < 50; i++ {
		p.screenInvite(inviteTo(t, sip.INVITE, "sip:bob@127.0.0.1", "192.0.2.66:5060")) // right user, wrong source
		p.screenInvite(inviteTo(t, sip.INVITE, "sip:1"+strings.Repeat("0", i%3)+"@127.0.0.1", "192.0.2.66:5060"))
	}
	got := p.Refused()
	if got[refusedNotAllowedSrc] != 50 || got[refusedNotOurs] != 50 {
		t.Errorf("counters %v", got)
	}
	if notices := countNotices(p, sub, ""); notices != 1 {
		t.Errorf("%d notices for one scanning source, want 1", notices)
	}
}

func TestMessageScreenedLikeInvite(t *testing.T) {
	p := screenPhone(t, "[[accounts]]\naor = \"sip:alice@127.0.0.1\"\naccept_from = [\"10.0.0.0/8\"]\n")
	tests := []struct {
		ruri, src string
		code      int
	}{
		{"sip:alice@127.0.0.1", "10.0.0.1:5060", 0},
		{"sip:alice@127.0.0.1", "192.0.2.1:5060", 404},
		{"sip:zed@127.0.0.1", "10.0.0.1:5060", 404},
	}
	for _, tt := range tests {
		if _, code, _ := p.screenRequest(inviteTo(t, sip.MESSAGE, tt.ruri, tt.src)); code != tt.code {
			t.Errorf("MESSAGE %s from %s: %d, want %d", tt.ruri, tt.src, code, tt.code)
		}
	}
}

// countNotices ends the subscriptions (everything published is delivered first) and counts
// the notices that contain substr.
func countNotices(p *Phone, sub *Subscription, substr string) int {
	p.events.closeAll()
	n := 0
	for e := range sub.C() {
		if note, ok := e.(EventNotice); ok && strings.Contains(note.Message, substr) {
			n++
		}
	}
	return n
}
