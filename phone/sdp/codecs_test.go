package sdp

import (
	"net/netip"
	"strings"
	"testing"
)

// wide is a phone with the default codec list (opus, G722, PCMU, PCMA).
var wide = Local{IP: netip.MustParseAddr("127.0.0.1"), Port: 11000, SessionID: 42, Version: 1, DTMFPT: DefaultDTMFPT}

func TestAnswerCodecs(t *testing.T) {
	tests := []struct {
		name      string
		codecs    []Codec // ours; nil = default
		offer     []string
		codec     string
		pt        uint8
		rate      int
		dtmf, cn  uint8
		opus      OpusParams
		answerHas []string
		answerNot []string
	}{
		{name: "opus first by default, whatever the offer's order",
			offer: []string{"m=audio 12000 RTP/AVP 0 9 96 101", "a=rtpmap:96 opus/48000/2", "a=rtpmap:101 telephone-event/8000"},
			codec: "opus", pt: 96, rate: 48000,
			answerHas: []string{"m=audio 11000 RTP/AVP 96", "a=rtpmap:96 opus/48000/2", "a=fmtp:96 useinbandfec=1"},
			answerNot: []string{"telephone-event/8000"}},
		{name: "telephone-event at the codec's clock (48000 for opus)",
			offer: []string{"m=audio 12000 RTP/AVP 96 0 101 110", "a=rtpmap:96 opus/48000/2", "a=rtpmap:101 telephone-event/8000", "a=rtpmap:110 telephone-event/48000"},
			codec: "opus", pt: 96, rate: 48000, dtmf: 110,
			answerHas: []string{"m=audio 11000 RTP/AVP 96 110", "a=rtpmap:110 telephone-event/48000", "a=fmtp:110 0-16"}},
		{name: "G722 is G722/8000 in SDP, its events at 8000",
			offer: []string{"m=audio 12000 RTP/AVP 0 9 101 110", "a=rtpmap:9 G722/8000", "a=rtpmap:101 telephone-event/8000", "a=rtpmap:110 telephone-event/48000"},
			codec: "G722", pt: 9, rate: 8000, dtmf: 101,
			answerHas: []string{"m=audio 11000 RTP/AVP 9 101", "a=rtpmap:9 G722/8000", "a=rtpmap:101 telephone-event/8000"}},
		{name: "G722 static PT without rtpmap", offer: []string{"m=audio 12000 RTP/AVP 8 9"}, codec: "G722", pt: 9, rate: 8000},
		{name: "our list orders the choice", codecs: []Codec{PCMA, G722, Opus},
			offer: []string{"m=audio 12000 RTP/AVP 96 9 0 8", "a=rtpmap:96 opus/48000/2"}, codec: "PCMA", pt: 8, rate: 8000},
		{name: "a codec not in our list is never taken", codecs: []Codec{PCMU},
			offer: []string{"m=audio 12000 RTP/AVP 96 9 0", "a=rtpmap:96 opus/48000/2"}, codec: "PCMU", pt: 0, rate: 8000},
		{name: "opus at a wrong clock is not opus", offer: []string{"m=audio 12000 RTP/AVP 96 0", "a=rtpmap:96 opus/16000"}, codec: "PCMU", pt: 0, rate: 8000},
		{name: "opus fmtp read", offer: []string{"m=audio 12000 RTP/AVP 97", "a=rtpmap:97 OPUS/48000/2",
			"a=fmtp:97 maxplaybackrate=16000; sprop-maxcapturerate=16000; useinbandfec=1; stereo=1"},
			codec: "opus", pt: 97, rate: 48000, opus: OpusParams{FEC: true, MaxPlaybackRate: 16000, MaxCaptureRate: 16000, Stereo: true}},
		{name: "opus maxaveragebitrate read", offer: []string{"m=audio 12000 RTP/AVP 97", "a=rtpmap:97 opus/48000/2", "a=fmtp:97 maxaveragebitrate=24000"},
			codec: "opus", pt: 97, rate: 48000, opus: OpusParams{MaxAverageBitrate: 24000}},
		{name: "opus maxaveragebitrate out of range ignored", offer: []string{"m=audio 12000 RTP/AVP 97", "a=rtpmap:97 opus/48000/2", "a=fmtp:97 maxaveragebitrate=5999"},
			codec: "opus", pt: 97, rate: 48000},
		{name: "opus fmtp defaults and nonsense", offer: []string{"m=audio 12000 RTP/AVP 97", "a=rtpmap:97 opus/48000/2", "a=fmtp:97 maxplaybackrate=99;useinbandfec=0"},
			codec: "opus", pt: 97, rate: 48000},
		{name: "another PT's fmtp is not opus's", offer: []string{"m=audio 12000 RTP/AVP 97 98", "a=rtpmap:97 opus/48000/2", "a=rtpmap:98 telephone-event/48000", "a=fmtp:98 useinbandfec=1"},
			codec: "opus", pt: 97, rate: 48000, dtmf: 98},
		{name: "comfort noise at 8000 with G.711", offer: []string{"m=audio 12000 RTP/AVP 0 13"}, codec: "PCMU", pt: 0, rate: 8000, cn: 13,
			answerHas: []string{"m=audio 11000 RTP/AVP 0 13", "a=rtpmap:13 CN/8000"}},
		{name: "no CN/8000 with opus", offer: []string{"m=audio 12000 RTP/AVP 96 13", "a=rtpmap:96 opus/48000/2"}, codec: "opus", pt: 96, rate: 48000,
			answerNot: []string{"CN/"}},
		{name: "opus ptime 30 becomes 20", offer: []string{"m=audio 12000 RTP/AVP 96", "a=rtpmap:96 opus/48000/2", "a=ptime:30"}, codec: "opus", pt: 96, rate: 48000,
			answerHas: []string{"a=ptime:20"}},
		{name: "opus ptime 40 becomes 20 too", offer: []string{"m=audio 12000 RTP/AVP 96", "a=rtpmap:96 opus/48000/2", "a=ptime:40"}, codec: "opus", pt: 96, rate: 48000,
			answerHas: []string{"a=ptime:20"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := wide
			l.Codecs = tt.codecs
			n, body, err := Answer(offerText(tt.offer...), l)
			if err != nil {
				t.Fatal(err)
			}
			if n.Codec.Name != tt.codec || n.Codec.PT != tt.pt || n.Codec.Rate != tt.rate {
				t.Errorf("codec %+v, want %s PT %d /%d", n.Codec, tt.codec, tt.pt, tt.rate)
			}
			if n.DTMFPT != tt.dtmf || n.CNPT != tt.cn {
				t.Errorf("telephone-event PT %d, CN PT %d; want %d, %d", n.DTMFPT, n.CNPT, tt.dtmf, tt.cn)
			}
			if n.Opus != tt.opus {
				t.Errorf("opus params %+v, want %+v", n.Opus, tt.opus)
			}
			for _, s := range tt.answerHas {
				if !strings.Contains(string(body), s) {
					t.Errorf("answer lacks %q:\n%s", s, body)
				}
			}
			for _, s := range tt.answerNot {
				if strings.Contains(string(body), s) {
					t.Errorf("answer has %q:\n%s", s, body)
				}
			}
		})
	}
}

func TestOfferCodecs(t *testing.T) {
	tests := []struct {
		name     string
		codecs   []Codec
		has, not []string
	}{
		{name: "default", has: []string{"m=audio 11000 RTP/AVP 111 9 0 8 102 101 13", "a=rtpmap:111 opus/48000/2",
			"a=fmtp:111 useinbandfec=1;maxplaybackrate=48000;sprop-maxcapturerate=48000;stereo=0",
			"a=rtpmap:9 G722/8000", "a=rtpmap:102 telephone-event/48000", "a=rtpmap:101 telephone-event/8000", "a=rtpmap:13 CN/8000", "a=ptime:20"}},
		{name: "opus only: events at 48000 only, no CN/8000", codecs: []Codec{Opus},
			has: []string{"m=audio 11000 RTP/AVP 111 102\r\n"}, not: []string{"telephone-event/8000", "CN/8000"}},
		{name: "G.711 only", codecs: []Codec{PCMA, PCMU}, has: []string{"m=audio 11000 RTP/AVP 8 0 101 13\r\n"}, not: []string{"48000"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := wide
			l.Codecs = tt.codecs
			offer := string(Offer(l))
			for _, s := range tt.has {
				if !strings.Contains(offer, s) {
					t.Errorf("offer lacks %q:\n%s", s, offer)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(offer, s) {
					t.Errorf("offer has %q:\n%s", s, offer)
				}
			}
		})
	}
}

// A peer that answers our default offer: what we parse is what it chose, with the events at
// that codec's clock.
func TestParseAnswerCodecs(t *testing.T) {
	tests := []struct {
		name   string
		answer []string
		codec  string
		dtmf   uint8
		opus   OpusParams
	}{
		{"opus", []string{"m=audio 12000 RTP/AVP 111 102", "a=rtpmap:111 opus/48000/2", "a=fmtp:111 useinbandfec=1", "a=rtpmap:102 telephone-event/48000"}, "opus", 102, OpusParams{FEC: true}},
		{"g722", []string{"m=audio 12000 RTP/AVP 9 101", "a=rtpmap:9 G722/8000", "a=rtpmap:101 telephone-event/8000"}, "G722", 101, OpusParams{}},
		{"pcmu, events at a wrong clock ignored", []string{"m=audio 12000 RTP/AVP 0 102", "a=rtpmap:102 telephone-event/48000"}, "PCMU", 0, OpusParams{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := ParseAnswer(offerText(tt.answer...), wide)
			if err != nil {
				t.Fatal(err)
			}
			if n.Codec.Name != tt.codec || n.DTMFPT != tt.dtmf || n.Opus != tt.opus {
				t.Errorf("got %+v", n)
			}
		})
	}
}

func TestCodecByName(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want string
		ok   bool
	}{{"opus", "opus", true}, {"OPUS", "opus", true}, {"g722", "G722", true}, {"pcmu", "PCMU", true}, {"PCMA", "PCMA", true}, {"G729", "", false}, {"", "", false}} {
		c, ok := CodecByName(tc.in)
		if ok != tc.ok || c.Name != tc.want {
			t.Errorf("CodecByName(%q) = %+v, %v", tc.in, c, ok)
		}
	}
}
