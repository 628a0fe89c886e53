package phone

import (
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestReadProbe(t *testing.T) {
	const pcmuSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\n"
	const opusSDP = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 96\r\na=rtpmap:96 opus/48000/2\r\n"
	tests := []struct {
		name    string
		code    int
		headers map[string]string
		sdp     string
		enc     string
		want    []string // substrings of the predictions, each must be there
		not     []string
		codecs  string
	}{
		{name: "all good", code: 200, headers: map[string]string{"Allow": "INVITE, ACK, BYE, CANCEL, OPTIONS, REFER, INFO, UPDATE", "User-Agent": "peer/1"},
			sdp: pcmuSDP, codecs: "PCMU/8000,TELEPHONE-EVENT/8000", not: []string{"REFER", "codec", "100rel"}},
		{name: "no refer, requires 100rel", code: 200, headers: map[string]string{"Allow": "INVITE, ACK, BYE, CANCEL", "Require": "100rel"},
			want: []string{"peer does not allow REFER: transfer will fail", "requires 100rel", "INFO"}},
		{name: "no common codec, wants srtp", code: 200, headers: map[string]string{"Allow": "INVITE, BYE, REFER, INFO, UPDATE"}, sdp: opusSDP,
			want: []string{"no common codec", "telephone-event", "SRTP"}, codecs: "OPUS/48000"},
		{name: "srtp required here", code: 200, headers: map[string]string{"Allow": "INVITE, BYE, REFER, INFO, UPDATE"}, sdp: pcmuSDP, enc: "srtp", codecs: "PCMU/8000,TELEPHONE-EVENT/8000",
			want: []string{"media_encryption is srtp"}},
		{name: "no allow, 404", code: 404, want: []string{"404", "no Allow"}},
		{name: "no sdp accepted", code: 200, headers: map[string]string{"Allow": "INVITE, BYE, REFER, INFO, UPDATE", "Accept": "text/plain"}, want: []string{"application/sdp"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := sip.NewResponse(tt.code, "Reason")
			for k, v := range tt.headers {
				res.AppendHeader(sip.NewHeader(k, v))
			}
			if tt.sdp != "" {
				res.AppendHeader(sip.NewHeader("Content-Type", "application/sdp"))
				res.SetBody([]byte(tt.sdp))
			}
			r := readProbe("sip:x@y", res, tt.enc)
			all := strings.Join(r.Predictions, "\n")
			for _, w := range tt.want {
				if !strings.Contains(all, w) {
					t.Errorf("predictions %q lack %q", r.Predictions, w)
				}
			}
			for _, w := range tt.not {
				if strings.Contains(all, w) {
					t.Errorf("predictions %q have %q", r.Predictions, w)
				}
			}
			if got := strings.ToUpper(strings.Join(r.Codecs, ",")); got != strings.ToUpper(tt.codecs) {
				t.Errorf("codecs %q, want %q", got, tt.codecs)
			}
		})
	}
}
