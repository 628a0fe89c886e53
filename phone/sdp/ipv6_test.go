package sdp

import (
	"net/netip"
	"strings"
	"testing"
)

func offer6(conn string, lines ...string) []byte {
	head := []string{"v=0", "o=- 1 1 IN IP6 ::1", "s=-"}
	if conn != "" {
		head = append(head, "c="+conn)
	}
	head = append(head, "t=0 0")
	return []byte(strings.Join(append(head, lines...), "\r\n") + "\r\n")
}

// TestAnswerIPv6: an IPv6 offer is answered from an IPv6 local address with IN IP6 lines; ::
// is hold like 0.0.0.0 (never send there).
func TestAnswerIPv6(t *testing.T) {
	local6 := Local{IP: netip.MustParseAddr("::1"), Port: 11000, SessionID: 7, Version: 1, DTMFPT: DefaultDTMFPT}
	tests := []struct {
		name      string
		offer     []byte
		remote    string
		remoteDir string
		answerHas []string
	}{
		{name: "loopback", offer: offer6("IN IP6 ::1", "m=audio 12000 RTP/AVP 0"),
			remote: "[::1]:12000", remoteDir: SendRecv, answerHas: []string{"o=sipterm 7 1 IN IP6 ::1", "c=IN IP6 ::1", "m=audio 11000 RTP/AVP 0"}},
		{name: "global address, media-level c=", offer: offer6("", "m=audio 12000 RTP/AVP 8", "c=IN IP6 2001:db8::5"),
			remote: "[2001:db8::5]:12000", remoteDir: SendRecv, answerHas: []string{"c=IN IP6 ::1"}},
		{name: ":: is hold: never send there", offer: offer6("IN IP6 ::", "m=audio 12000 RTP/AVP 0"),
			remote: "invalid AddrPort", remoteDir: SendOnly, answerHas: []string{"c=IN IP6 ::1", "a=recvonly"}},
		{name: "v4-mapped address is IPv4", offer: offer6("IN IP6 ::ffff:127.0.0.1", "m=audio 12000 RTP/AVP 0"),
			remote: "127.0.0.1:12000", remoteDir: SendRecv},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, body, err := Answer(tt.offer, local6)
			if err != nil {
				t.Fatal(err)
			}
			if got := n.Remote.String(); got != tt.remote {
				t.Errorf("remote %s, want %s", got, tt.remote)
			}
			if n.RemoteDir != tt.remoteDir {
				t.Errorf("remote direction %s, want %s", n.RemoteDir, tt.remoteDir)
			}
			if strings.Contains(string(body), "IP4") {
				t.Errorf("answer from an IPv6 address mentions IP4:\n%s", body)
			}
			for _, want := range tt.answerHas {
				if !strings.Contains(string(body), want) {
					t.Errorf("answer lacks %q:\n%s", want, body)
				}
			}
		})
	}
}

// TestOfferIPv6: our offer from an IPv6 address says IN IP6 in o= and c=.
func TestOfferIPv6(t *testing.T) {
	body := string(Offer(Local{IP: netip.MustParseAddr("2001:db8::7"), Port: 11002, SessionID: 1, Version: 1}))
	for _, want := range []string{"o=sipterm 1 1 IN IP6 2001:db8::7", "c=IN IP6 2001:db8::7", "m=audio 11002 "} {
		if !strings.Contains(body, want) {
			t.Errorf("offer lacks %q:\n%s", want, body)
		}
	}
}

func TestConnectionAddr(t *testing.T) {
	tests := []struct {
		name string
		body []byte
		want string
	}{
		{"session IP6", offer6("IN IP6 ::1", "m=audio 1 RTP/AVP 0"), "::1"},
		{"media level wins", offer6("IN IP4 127.0.0.1", "m=audio 1 RTP/AVP 0", "c=IN IP6 2001:db8::1"), "2001:db8::1"},
		{"audio stream, not video", offer6("", "m=video 2 RTP/AVP 96", "c=IN IP4 192.0.2.9", "m=audio 1 RTP/AVP 0", "c=IN IP6 ::1"), "::1"},
		{"IPv4", offerText("m=audio 1 RTP/AVP 0"), "127.0.0.1"},
		{"hold ::", offer6("IN IP6 ::", "m=audio 1 RTP/AVP 0"), "::"},
		{"no c= at all", offer6("", "m=audio 1 RTP/AVP 0"), "invalid IP"},
		{"garbage", []byte("not sdp"), "invalid IP"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := ConnectionAddr(tt.body).String(); got != tt.want {
				t.Errorf("ConnectionAddr = %s, want %s", got, tt.want)
			}
		})
	}
}
