package phone

import (
	"fmt"
	"strings"
	"testing"

	"github.com/sipterm/sipterm/phone/sdp"
)

func TestMaskSecretsSRTPKeys(t *testing.T) {
	key := "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
	tests := []struct{ name, line, want string }{
		{"plain inline key", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:" + key, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:***"},
		{"key with lifetime and MKI", "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:" + key + "|2^20|1:4", "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:***|2^20|1:4"},
		{"two keys", "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:" + key + ";inline:" + key, "a=crypto:3 AES_CM_128_HMAC_SHA1_80 inline:***;inline:***"},
		{"upper-case method", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 INLINE:" + key, "a=crypto:1 AES_CM_128_HMAC_SHA1_80 INLINE:***"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := "INVITE sip:x SIP/2.0\r\nContent-Type: application/sdp\r\n\r\nv=0\r\nm=audio 4000 RTP/SAVP 0\r\n" + tt.line + "\r\na=sendrecv\r\n"
			out := MaskSecrets(msg)
			if strings.Contains(out, key) || !strings.Contains(out, tt.want+"\r\n") {
				t.Errorf("masked:\n%s\nwant the line %q", out, tt.want)
			}
		})
	}
	c := sdp.NewCrypto(1, sdp.SuiteAES80)
	if out := MaskSecrets(string(sdp.Offer(sdp.Local{Port: 4000, Encryption: sdp.EncSRTP, Crypto: []sdp.Crypto{c}}))); strings.Contains(out, strings.TrimPrefix(c.String(), "1 AES_CM_128_HMAC_SHA1_80 inline:")) {
		t.Errorf("our own offer's key survives masking:\n%s", out)
	}
}

func TestOfferRefusal(t *testing.T) {
	tests := []struct {
		err     error
		code    int
		reason  string
		warning string
	}{
		{sdp.ErrSRTPRequired, 488, "SRTP required", "SRTP required (media_encryption = srtp)"},
		{sdp.ErrSRTPOffered, 488, "SRTP not enabled", "SRTP offered, media_encryption is none"},
		{sdp.ErrNoCrypto, 488, "SRTP required", "SRTP required"},
		{sdp.ErrNotAcceptable, 488, "Not Acceptable Here", "no common audio codec (PCMU, PCMA)"},
		{fmt.Errorf("%w: RTP/SAVP offer without a usable a=crypto (SDES) key", sdp.ErrNotAcceptable), 488, "Not Acceptable Here", "without a usable a=crypto"},
		{fmt.Errorf("%w: bad", sdp.ErrMalformed), 400, "malformed SDP", ""},
	}
	for _, tt := range tests {
		code, reason, warning := offerRefusal(tt.err)
		if code != tt.code || !strings.Contains(reason, tt.reason) || !strings.Contains(warning, tt.warning) || (tt.warning == "") != (warning == "") {
			t.Errorf("%v: got %d %q %q; want %d, %q, %q", tt.err, code, reason, warning, tt.code, tt.reason, tt.warning)
		}
		if strings.Contains(tt.err.Error(), "SRTP") && strings.Contains(warning, "codec") {
			t.Errorf("%v: an SRTP refusal says codec: %q", tt.err, warning)
		}
	}
}
