package sdp

import (
	"bytes"
	"encoding/base64"
	"errors"
	"strings"
	"testing"
)

// key30 is a recognisable 30-byte master key||salt.
var key30 = bytes.Repeat([]byte{0xA5}, MasterKeyLen)

func inline(k []byte) string { return "inline:" + base64.StdEncoding.EncodeToString(k) }

func TestParseCrypto(t *testing.T) {
	k := inline(key30)
	tests := []struct {
		name    string
		in      string
		ok      bool
		err     bool
		tag     int
		suite   string
		wantKey bool
	}{
		{name: "80-bit tag", in: "1 AES_CM_128_HMAC_SHA1_80 " + k, ok: true, tag: 1, suite: SuiteAES80, wantKey: true},
		{name: "32-bit tag", in: "7 AES_CM_128_HMAC_SHA1_32 " + k, ok: true, tag: 7, suite: SuiteAES32, wantKey: true},
		{name: "lower-case suite and method", in: "2 aes_cm_128_hmac_sha1_80 INLINE:" + strings.TrimPrefix(k, "inline:"), ok: true, tag: 2, suite: SuiteAES80, wantKey: true},
		{name: "lifetime is harmless", in: "1 AES_CM_128_HMAC_SHA1_80 " + k + "|2^20", ok: true, tag: 1, suite: SuiteAES80, wantKey: true},
		{name: "unpadded base64", in: "1 AES_CM_128_HMAC_SHA1_80 " + strings.TrimRight(k, "="), ok: true, tag: 1, suite: SuiteAES80, wantKey: true},
		{name: "unknown suite ignored", in: "1 AES_256_CM_HMAC_SHA1_80 inline:short", ok: false},
		{name: "AEAD suite ignored", in: "3 AEAD_AES_128_GCM " + k, ok: false},
		{name: "MKI ignored", in: "1 AES_CM_128_HMAC_SHA1_80 " + k + "|2^20|1:4", ok: false},
		{name: "session parameters ignored", in: "1 AES_CM_128_HMAC_SHA1_80 " + k + " UNENCRYPTED_SRTP", ok: false},
		{name: "two keys ignored", in: "1 AES_CM_128_HMAC_SHA1_80 " + k + ";" + k, ok: false},
		{name: "short key", in: "1 AES_CM_128_HMAC_SHA1_80 " + inline(key30[:16]), err: true},
		{name: "bad base64", in: "1 AES_CM_128_HMAC_SHA1_80 inline:!!!notbase64!!!", err: true},
		{name: "bad tag", in: "x AES_CM_128_HMAC_SHA1_80 " + k, err: true},
		{name: "negative tag", in: "-1 AES_CM_128_HMAC_SHA1_80 " + k, err: true},
		{name: "no key method", in: "1 AES_CM_128_HMAC_SHA1_80 " + strings.TrimPrefix(k, "inline:"), err: true},
		{name: "too few fields", in: "1 AES_CM_128_HMAC_SHA1_80", err: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, ok, err := ParseCrypto(tt.in)
			if (err != nil) != tt.err || ok != tt.ok {
				t.Fatalf("ParseCrypto(%q) = ok %v, err %v; want ok %v, err %v", tt.in, ok, err, tt.ok, tt.err)
			}
			if !ok {
				return
			}
			if c.Tag != tt.tag || c.Suite != tt.suite || (tt.wantKey && !bytes.Equal(c.Key, key30)) {
				t.Errorf("got tag %d suite %s key %x", c.Tag, c.Suite, c.Key)
			}
		})
	}
}

func TestCryptoStringRoundTrip(t *testing.T) {
	for _, c := range NewCryptos() {
		got, ok, err := ParseCrypto(c.String())
		if err != nil || !ok || got.Tag != c.Tag || got.Suite != c.Suite || !bytes.Equal(got.Key, c.Key) {
			t.Errorf("%s: round trip = %+v, %v, %v", c.Suite, got, ok, err)
		}
	}
	a, b := NewCrypto(1, SuiteAES80), NewCrypto(1, SuiteAES80)
	if bytes.Equal(a.Key, b.Key) {
		t.Error("two fresh keys are equal")
	}
}

func TestOfferEncryption(t *testing.T) {
	tests := []struct {
		enc      string
		has, not []string
	}{
		{EncNone, []string{"RTP/AVP 0 8 101"}, []string{"a=crypto", "SAVP"}},
		{"", []string{"RTP/AVP"}, []string{"a=crypto"}},
		{EncSRTP, []string{"RTP/SAVP 0 8 101", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:", "a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:"}, nil},
		{EncOptional, []string{"RTP/AVP 0 8 101", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"}, []string{"SAVP"}},
	}
	for _, tt := range tests {
		t.Run("enc="+tt.enc, func(t *testing.T) {
			l := local
			l.Encryption = tt.enc
			if tt.enc == EncSRTP || tt.enc == EncOptional {
				l.Crypto = NewCryptos()
			}
			out := string(Offer(l))
			for _, s := range tt.has {
				if !strings.Contains(out, s) {
					t.Errorf("offer lacks %q:\n%s", s, out)
				}
			}
			for _, s := range tt.not {
				if strings.Contains(out, s) {
					t.Errorf("offer has %q:\n%s", s, out)
				}
			}
		})
	}
}

func TestAnswerEncryption(t *testing.T) {
	k := inline(key30)
	savp := offerText("m=audio 12000 RTP/SAVP 0", "a=crypto:5 AES_CM_128_HMAC_SHA1_32 "+k, "a=crypto:6 AES_CM_128_HMAC_SHA1_80 "+k)
	avpCrypto := offerText("m=audio 12000 RTP/AVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "+k)
	avpPlain := offerText("m=audio 12000 RTP/AVP 0")
	savpNoKey := offerText("m=audio 12000 RTP/SAVP 0", "a=fingerprint:sha-256 AB:CD")
	savpUnknown := offerText("m=audio 12000 RTP/SAVP 0", "a=crypto:1 AES_256_CM_HMAC_SHA1_80 inline:xyz")
	savpBadKey := offerText("m=audio 12000 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:c2hvcnQ=")
	tests := []struct {
		name      string
		enc       string
		offer     []byte
		err       error
		suite     string // "" = plain RTP
		answerHas []string
		answerNot []string
	}{
		{name: "srtp takes SAVP, offerer's first suite and tag", enc: EncSRTP, offer: savp, suite: SuiteAES32,
			answerHas: []string{"m=audio 11000 RTP/SAVP 0", "a=crypto:5 AES_CM_128_HMAC_SHA1_32 inline:"}, answerNot: []string{"a=crypto:6"}},
		{name: "srtp takes best-effort AVP with crypto", enc: EncSRTP, offer: avpCrypto, suite: SuiteAES80,
			answerHas: []string{"RTP/AVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80"}},
		{name: "srtp refuses plain AVP: SRTP required", enc: EncSRTP, offer: avpPlain, err: ErrSRTPRequired},
		{name: "srtp refuses unknown suites", enc: EncSRTP, offer: savpUnknown, err: ErrSRTPRequired},
		{name: "srtp refuses SAVP without SDES", enc: EncSRTP, offer: savpNoKey, err: ErrSRTPRequired},
		{name: "malformed key is malformed SDP", enc: EncSRTP, offer: savpBadKey, err: ErrMalformed},
		{name: "optional takes SAVP", enc: EncOptional, offer: savp, suite: SuiteAES32, answerHas: []string{"RTP/SAVP"}},
		{name: "optional takes AVP with crypto", enc: EncOptional, offer: avpCrypto, suite: SuiteAES80, answerHas: []string{"a=crypto:1"}},
		{name: "optional takes plain AVP", enc: EncOptional, offer: avpPlain, answerNot: []string{"a=crypto"}},
		{name: "optional cannot do SAVP without SDES", enc: EncOptional, offer: savpNoKey, err: ErrNotAcceptable},
		{name: "none refuses SAVP: SRTP offered", enc: EncNone, offer: savp, err: ErrSRTPOffered},
		{name: "none ignores best-effort crypto", enc: EncNone, offer: avpCrypto, answerNot: []string{"a=crypto", "SAVP"}},
		{name: "default is none", enc: "", offer: savp, err: ErrSRTPOffered},
		{name: "none takes plain AVP", enc: EncNone, offer: avpPlain},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := local
			l.Encryption = tt.enc
			if tt.enc == EncSRTP || tt.enc == EncOptional {
				l.Crypto = NewCryptos()
			}
			neg, ans, err := Answer(tt.offer, l)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tt.suite == "" && neg.SRTP != nil:
				t.Errorf("SRTP %+v, want plain RTP", neg.SRTP)
			case tt.suite != "" && (neg.SRTP == nil || neg.SRTP.Suite != tt.suite):
				t.Errorf("SRTP %+v, want suite %s", neg.SRTP, tt.suite)
			case tt.suite != "":
				if !bytes.Equal(neg.SRTP.RemoteKey, key30) || len(neg.SRTP.LocalKey) != MasterKeyLen || bytes.Equal(neg.SRTP.LocalKey, key30) {
					t.Errorf("keys: remote %x local %x", neg.SRTP.RemoteKey, neg.SRTP.LocalKey)
				}
				if !strings.Contains(string(ans), inline(neg.SRTP.LocalKey)) {
					t.Errorf("answer does not carry our key:\n%s", ans)
				}
			}
			for _, s := range tt.answerHas {
				if !strings.Contains(string(ans), s) {
					t.Errorf("answer lacks %q:\n%s", s, ans)
				}
			}
			for _, s := range tt.answerNot {
				if strings.Contains(string(ans), s) {
					t.Errorf("answer has %q:\n%s", s, ans)
				}
			}
		})
	}
}

func TestParseAnswerEncryption(t *testing.T) {
	ours := NewCryptos()
	peer := inline(key30)
	tests := []struct {
		name   string
		enc    string
		answer []byte
		err    error
		suite  string
	}{
		{name: "srtp: echoes our tag 1", enc: EncSRTP, answer: offerText("m=audio 12000 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "+peer), suite: SuiteAES80},
		{name: "srtp: echoes our tag 2", enc: EncSRTP, answer: offerText("m=audio 12000 RTP/SAVP 0", "a=crypto:2 AES_CM_128_HMAC_SHA1_32 "+peer), suite: SuiteAES32},
		{name: "srtp: no crypto is refused", enc: EncSRTP, answer: offerText("m=audio 12000 RTP/AVP 0"), err: ErrNoCrypto},
		{name: "srtp: tag and suite must match an offered line", enc: EncSRTP, answer: offerText("m=audio 12000 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_32 "+peer), err: ErrNoCrypto},
		{name: "srtp: malformed key", enc: EncSRTP, answer: offerText("m=audio 12000 RTP/SAVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:AAAA"), err: ErrMalformed},
		{name: "optional: crypto answer is SRTP", enc: EncOptional, answer: offerText("m=audio 12000 RTP/AVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "+peer), suite: SuiteAES80},
		{name: "optional: plain answer is plain RTP", enc: EncOptional, answer: offerText("m=audio 12000 RTP/AVP 0")},
		{name: "none: a crypto line is ignored", enc: EncNone, answer: offerText("m=audio 12000 RTP/AVP 0", "a=crypto:1 AES_CM_128_HMAC_SHA1_80 "+peer)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := local
			l.Encryption = tt.enc
			if tt.enc != EncNone {
				l.Crypto = ours
			}
			neg, err := ParseAnswer(tt.answer, l)
			if tt.err != nil {
				if !errors.Is(err, tt.err) {
					t.Fatalf("err = %v, want %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if tt.suite == "" {
				if neg.SRTP != nil {
					t.Errorf("SRTP %+v, want plain", neg.SRTP)
				}
				return
			}
			if neg.SRTP == nil || neg.SRTP.Suite != tt.suite || !bytes.Equal(neg.SRTP.RemoteKey, key30) {
				t.Fatalf("SRTP %+v, want %s with the peer's key", neg.SRTP, tt.suite)
			}
			want := ours[0].Key
			if tt.suite == SuiteAES32 {
				want = ours[1].Key
			}
			if !bytes.Equal(neg.SRTP.LocalKey, want) {
				t.Errorf("local key is not the one offered for %s", tt.suite)
			}
		})
	}
}

// FuzzCryptoAttr: the a=crypto reader never panics, and what it accepts formats back to itself.
func FuzzCryptoAttr(f *testing.F) {
	f.Add("1 AES_CM_128_HMAC_SHA1_80 " + inline(key30))
	f.Add("2 AES_CM_128_HMAC_SHA1_32 " + inline(key30) + "|2^20|1:4")
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:")
	f.Add("1 AES_CM_128_HMAC_SHA1_80 inline:|||")
	f.Add("99999999999 AES_CM_128_HMAC_SHA1_80 inline:AAAA;inline:BBBB KDR=1")
	f.Fuzz(func(t *testing.T, v string) {
		c, ok, err := ParseCrypto(v)
		if err != nil || !ok {
			return
		}
		if len(c.Key) != MasterKeyLen || !supportedSuite(c.Suite) {
			t.Fatalf("accepted %q as %+v", v, c)
		}
		back, ok, err := ParseCrypto(c.String())
		if err != nil || !ok || back.Tag != c.Tag || back.Suite != c.Suite || !bytes.Equal(back.Key, c.Key) {
			t.Fatalf("round trip of %q: %+v %v %v", v, back, ok, err)
		}
	})
}
