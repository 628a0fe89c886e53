package ui

import (
	"testing"
	"time"

	"github.com/sipterm/sipterm/phone"
)

func sipMsg(out bool, ms int, first, cseq, sdp string) phone.EventSIP {
	raw := first + "\r\nCSeq: " + cseq + "\r\nContent-Length: 0\r\n\r\n" + sdp
	return phone.EventSIP{Out: out, Time: time.Unix(0, 0).Add(time.Duration(ms) * time.Millisecond), Summary: first, Raw: raw}
}

const (
	sdpA  = "v=0\r\no=a 1 1 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n"
	sdpA2 = "v=0\r\no=a 1 2 IN IP4 1.2.3.4\r\nc=IN IP4 1.2.3.4\r\nm=audio 4000 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n" // version only
	sdpAH = sdpA + "a=sendonly\r\n"
	sdpB  = "v=0\r\no=b 1 1 IN IP4 5.6.7.8\r\nc=IN IP4 5.6.7.8\r\nm=audio 5000 RTP/AVP 8\r\na=rtpmap:8 PCMA/8000\r\n"
)

func TestLadderNotes(t *testing.T) {
	msgs := []phone.EventSIP{
		sipMsg(false, 0, "INVITE sip:x SIP/2.0", "1 INVITE", sdpA),     // 0 first SDP (peer)
		sipMsg(true, 2, "SIP/2.0 100 Trying", "1 INVITE", ""),          // 1
		sipMsg(false, 500, "INVITE sip:x SIP/2.0", "1 INVITE", sdpA),   // 2 retransmission
		sipMsg(true, 900, "SIP/2.0 200 OK", "1 INVITE", sdpB),          // 3 first SDP (ours)
		sipMsg(true, 1400, "SIP/2.0 200 OK", "1 INVITE", sdpB),         // 4 retransmission
		sipMsg(false, 1500, "ACK sip:x SIP/2.0", "1 ACK", ""),          // 5
		sipMsg(false, 3000, "INVITE sip:x SIP/2.0", "2 INVITE", sdpA2), // 6 same SDP, new version
		sipMsg(false, 4000, "INVITE sip:x SIP/2.0", "3 INVITE", sdpAH), // 7 hold: changed
		sipMsg(true, 15000, "SIP/2.0 200 OK", "3 INVITE", sdpB),        // 8 our SDP unchanged
		sipMsg(false, 15001, "BYE sip:x SIP/2.0", "4 BYE", ""),         // 9
		sipMsg(true, 15002, "SIP/2.0 200 OK", "4 BYE", ""),             // 10 not a retransmission (CSeq)
	}
	want := []ladderNote{
		{0, false, sdpFirst},
		{2 * time.Millisecond, false, sdpNone},
		{498 * time.Millisecond, true, sdpSame},
		{400 * time.Millisecond, false, sdpFirst},
		{500 * time.Millisecond, true, sdpSame},
		{100 * time.Millisecond, false, sdpNone},
		{1500 * time.Millisecond, false, sdpSame},
		{1000 * time.Millisecond, false, sdpChanged},
		{11000 * time.Millisecond, false, sdpSame},
		{time.Millisecond, false, sdpNone},
		{time.Millisecond, false, sdpNone},
	}
	got := ladderNotes(msgs)
	for i := range want {
		if got[i] != want[i] {
			t.Errorf("message %d (%s): %+v, want %+v", i, msgs[i].Summary, got[i], want[i])
		}
	}
}

func TestFmtDelta(t *testing.T) {
	for _, tt := range []struct {
		d    time.Duration
		want string
	}{
		{0, "+0.000"}, {123 * time.Millisecond, "+0.123"}, {12500 * time.Millisecond, "+12.5"}, {2 * time.Hour, "+7200"},
	} {
		if got := fmtDelta(tt.d); got != tt.want {
			t.Errorf("fmtDelta(%v) = %q, want %q", tt.d, got, tt.want)
		}
	}
}
