package phone

import (
	"strings"
	"testing"
)

func TestMayHoldSecret(t *testing.T) {
	tests := []struct {
		name, msg string
		want      bool
	}{
		{"plain INVITE", "INVITE sip:a@b SIP/2.0\r\nCall-ID: x\r\n\r\nv=0\r\n", false},
		{"digest response", `Authorization: Digest username="a", response="0123"`, true},
		{"upper case", `AUTHORIZATION: DIGEST RESPONSE="0123"`, true},
		{"password", "password=hunter2", true},
		{"sdes key", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 INLINE:abcd", true},
		{"word cut at the end", "x respons", false},
		{"empty", "", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := mayHoldSecret(tt.msg); got != tt.want {
				t.Errorf("mayHoldSecret(%q) = %v, want %v", tt.msg, got, tt.want)
			}
			// the fast path must never skip what the patterns would mask
			if !tt.want && MaskSecrets(tt.msg) != tt.msg {
				t.Errorf("MaskSecrets changed %q though mayHoldSecret said no", tt.msg)
			}
		})
	}
}

// plainSIP is a message with nothing to mask, like most.
var plainSIP = "SIP/2.0 200 OK\r\nVia: SIP/2.0/UDP 127.0.0.1:5391;branch=z9hG4bK-1\r\n" +
	"From: <sip:sipp@127.0.0.1>;tag=1\r\nTo: <sip:x@127.0.0.1>;tag=2\r\nCall-ID: 1-2@127.0.0.1\r\n" +
	"CSeq: 1 INVITE\r\nContent-Type: application/sdp\r\n\r\n" + strings.Repeat("a=rtpmap:0 PCMU/8000\r\n", 8)

// BenchmarkMaskSecretsPlain is the common case: a message with nothing to mask.
func BenchmarkMaskSecretsPlain(b *testing.B) {
	msg := plainSIP
	b.ReportAllocs()
	for b.Loop() {
		_ = MaskSecrets(msg)
	}
}

// BenchmarkMaskSecretsRegexp is what MaskSecrets cost on every message before mayHoldSecret.
func BenchmarkMaskSecretsRegexp(b *testing.B) {
	msg := plainSIP
	b.ReportAllocs()
	for b.Loop() {
		_ = srtpKeyRe.ReplaceAllString(secretRe.ReplaceAllString(msg, `${1}"***"`), `${1}***`)
	}
}
