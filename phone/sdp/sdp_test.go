package sdp

import (
	"errors"
	"net/netip"
	"strings"
	"testing"
)

// local is a G.711-only phone: these tests are about offer/answer rules, codecs_test.go about codecs.
var local = Local{IP: netip.MustParseAddr("127.0.0.1"), Port: 11000, SessionID: 42, Version: 1, DTMFPT: DefaultDTMFPT, Codecs: []Codec{PCMU, PCMA}}

func offerText(lines ...string) []byte {
	return []byte(strings.Join(append([]string{"v=0", "o=- 1 1 IN IP4 127.0.0.1", "s=-", "c=IN IP4 127.0.0.1", "t=0 0"}, lines...), "\r\n") + "\r\n")
}

func TestAnswer(t *testing.T) {
	tests := []struct {
		name      string
		offer     []byte
		want      Local
		codec     string
		pt        uint8
		dtmf      uint8
		dir       string
		remote    string
		err       error
		answerHas []string
	}{
		{name: "pcmu and dtmf", offer: offerText("m=audio 12000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000", "a=fmtp:101 0-16"),
			codec: "PCMU", pt: 0, dtmf: 101, dir: SendRecv, remote: "127.0.0.1:12000", answerHas: []string{"m=audio 11000 RTP/AVP 0 101", "a=sendrecv"}},
		{name: "our preference wins over offer order", offer: offerText("m=audio 12000 RTP/AVP 8 0"), codec: "PCMU", pt: 0, dir: SendRecv, remote: "127.0.0.1:12000"},
		{name: "pcma only", offer: offerText("m=audio 12000 RTP/AVP 8"), codec: "PCMA", pt: 8, dir: SendRecv, remote: "127.0.0.1:12000"},
		{name: "static pt without rtpmap, lower-case dynamic", offer: offerText("m=audio 12000 RTP/AVP 0 96", "a=rtpmap:96 Telephone-Event/8000"),
			codec: "PCMU", dtmf: 96, dir: SendRecv, remote: "127.0.0.1:12000"},
		{name: "dtmf PT per m-line, not session wide", offer: offerText("m=video 13000 RTP/AVP 96", "a=rtpmap:96 H264/90000", "m=audio 12000 RTP/AVP 0 96", "a=rtpmap:96 telephone-event/8000"),
			codec: "PCMU", dtmf: 96, dir: SendRecv, remote: "127.0.0.1:12000", answerHas: []string{"m=video 0 RTP/AVP 96", "m=audio 11000"}},
		{name: "sendonly offer gets recvonly", offer: offerText("m=audio 12000 RTP/AVP 0", "a=sendonly"), codec: "PCMU", dir: RecvOnly, remote: "127.0.0.1:12000", answerHas: []string{"a=recvonly"}},
		{name: "session-level direction", offer: offerText("a=sendonly", "m=audio 12000 RTP/AVP 0"), codec: "PCMU", dir: RecvOnly, remote: "127.0.0.1:12000"},
		{name: "recvonly offer gets sendonly", offer: offerText("m=audio 12000 RTP/AVP 0", "a=recvonly"), codec: "PCMU", dir: SendOnly, remote: "127.0.0.1:12000"},
		{name: "inactive", offer: offerText("m=audio 12000 RTP/AVP 0", "a=inactive"), codec: "PCMU", dir: Inactive, remote: "127.0.0.1:12000"},
		{name: "c=0.0.0.0 hold: never send there", offer: []byte("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 12000 RTP/AVP 0\r\n"),
			codec: "PCMU", dir: RecvOnly, remote: "invalid AddrPort"},
		{name: "we hold: sendrecv offer gets sendonly", offer: offerText("m=audio 12000 RTP/AVP 0"), want: Local{Direction: SendOnly}, codec: "PCMU", dir: SendOnly, remote: "127.0.0.1:12000"},
		{name: "unknown codecs only", offer: offerText("m=audio 12000 RTP/AVP 18 97", "a=rtpmap:97 speex/8000"), err: ErrNotAcceptable},
		{name: "rejected audio port 0 then usable", offer: offerText("m=audio 0 RTP/AVP 0", "m=audio 12002 RTP/AVP 8"), codec: "PCMA", dir: SendRecv, remote: "127.0.0.1:12002", answerHas: []string{"m=audio 0 RTP/AVP 0", "m=audio 11000 RTP/AVP 8"}},
		{name: "secure profile not taken", offer: offerText("m=audio 12000 RTP/SAVP 0"), err: ErrNotAcceptable},
		{name: "garbage", offer: []byte("this is not sdp"), err: ErrMalformed},
		{name: "empty", offer: nil, err: ErrMalformed},
		{name: "no media", offer: offerText(), err: ErrMalformed},
		{name: "b= before c= (strict order)", offer: []byte("v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nb=AS:64\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 1 RTP/AVP 0\r\n"), err: ErrMalformed},
		{name: "ptime honoured", offer: offerText("m=audio 12000 RTP/AVP 0", "a=ptime:30"), codec: "PCMU", dir: SendRecv, remote: "127.0.0.1:12000", answerHas: []string{"a=ptime:30"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := local
			if tt.want.Direction != "" {
				l.Direction = tt.want.Direction
			}
			n, body, err := Answer(tt.offer, l)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if n.Codec.Name != tt.codec || (tt.pt != 0 && n.Codec.PT != tt.pt) || n.DTMFPT != tt.dtmf || n.Direction != tt.dir {
				t.Errorf("negotiated %+v", n)
			}
			if n.Remote.String() != tt.remote {
				t.Errorf("remote = %s, want %s", n.Remote, tt.remote)
			}
			for _, s := range tt.answerHas {
				if !strings.Contains(string(body), s) {
					t.Errorf("answer lacks %q:\n%s", s, body)
				}
			}
			// Our answer must parse back as an answer to our own offer.
			if _, err := ParseAnswer(body, Local{DTMFPT: DefaultDTMFPT}); err != nil {
				t.Errorf("our answer does not parse: %v\n%s", err, body)
			}
		})
	}
}

func TestOfferAndParseAnswer(t *testing.T) {
	offer := Offer(local)
	for _, s := range []string{"m=audio 11000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000", "a=sendrecv", "c=IN IP4 127.0.0.1"} {
		if !strings.Contains(string(offer), s) {
			t.Errorf("offer lacks %q:\n%s", s, offer)
		}
	}
	// A peer answering our offer with PCMA, recvonly (it holds us... from its side).
	n, body, err := Answer(offer, Local{IP: netip.MustParseAddr("127.0.0.1"), Port: 12000, Codecs: []Codec{PCMA}, DTMFPT: 101, Direction: SendOnly})
	if err != nil || n.Codec.Name != "PCMA" {
		t.Fatalf("peer answer: %+v %v", n, err)
	}
	got, err := ParseAnswer(body, local)
	if err != nil {
		t.Fatal(err)
	}
	if got.Codec.Name != "PCMA" || got.Direction != RecvOnly || got.Remote.String() != "127.0.0.1:12000" || got.DTMFPT != 101 {
		t.Errorf("parsed answer %+v", got)
	}
}

func FuzzAnswer(f *testing.F) {
	f.Add(offerText("m=audio 12000 RTP/AVP 0 8 101", "a=rtpmap:101 telephone-event/8000"))
	f.Add(offerText("m=audio 12000 RTP/AVP 18"))
	f.Add([]byte("v=0\r\no=- 1 2 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 0.0.0.0\r\nt=0 0\r\nm=audio 12000 RTP/AVP 0\r\na=sendonly\r\n"))
	f.Add([]byte("garbage"))
	f.Fuzz(func(t *testing.T, offer []byte) {
		n, body, err := Answer(offer, local)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrNotAcceptable) {
				t.Fatalf("unexpected error class: %v", err)
			}
			return
		}
		if n.Remote.IsValid() && n.Remote.Addr().IsUnspecified() {
			t.Fatalf("would send RTP to %s", n.Remote)
		}
		if n.Codec.Name != "PCMU" && n.Codec.Name != "PCMA" {
			t.Fatalf("codec %+v", n.Codec)
		}
		if _, err := ParseAnswer(body, local); err != nil {
			t.Fatalf("our answer does not parse: %v\n%s", err, body)
		}
	})
}
