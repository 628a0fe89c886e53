package sdp

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"

	psdp "github.com/pion/sdp/v3"
)

// SDES crypto suites (RFC 4568 §6.2) we implement, in our preference order.
const (
	SuiteAES80 = "AES_CM_128_HMAC_SHA1_80"
	SuiteAES32 = "AES_CM_128_HMAC_SHA1_32"
)

// Suites is what we offer, in preference order.
var Suites = []string{SuiteAES80, SuiteAES32}

// MasterKeyLen is the length of an AES_CM_128 master key||salt (16 + 14 bytes).
const MasterKeyLen = 30

// Media encryption policies (the account's media_encryption).
const (
	EncNone     = "none"          // plain RTP only; an RTP/SAVP offer is refused
	EncSRTP     = "srtp"          // SRTP only: offer RTP/SAVP, refuse plain RTP
	EncOptional = "srtp-optional" // offer RTP/AVP with a=crypto, accept both
)

// Errors of the SRTP part of offer/answer; they wrap ErrNotAcceptable so a caller that only
// knows "488" still answers 488.
var (
	ErrSRTPRequired = fmt.Errorf("%w: SRTP required (media_encryption = srtp), offer has no usable a=crypto", ErrNotAcceptable)
	ErrSRTPOffered  = fmt.Errorf("%w: SRTP offered (RTP/SAVP), media_encryption is none", ErrNotAcceptable)
	ErrNoCrypto     = fmt.Errorf("%w: SRTP required (media_encryption = srtp), answer has no usable a=crypto", ErrNotAcceptable)
	errBadCrypto    = errors.New("bad a=crypto")
)

// Crypto is one a=crypto attribute with an inline key we can use.
type Crypto struct {
	Tag   int
	Suite string
	Key   []byte // master key || master salt, MasterKeyLen bytes
}

// SRTP is a negotiated SDES keying: our key encrypts what we send, the peer's decrypts what we
// receive.
type SRTP struct {
	Suite     string
	LocalKey  []byte
	RemoteKey []byte
}

// NewCrypto makes a line with a fresh random master key.
func NewCrypto(tag int, suite string) Crypto {
	k := make([]byte, MasterKeyLen)
	if _, err := rand.Read(k); err != nil {
		panic("sdp: crypto/rand: " + err.Error()) // never fails on Linux
	}
	return Crypto{Tag: tag, Suite: suite, Key: k}
}

// NewCryptos makes one line per suite we support, each with its own key.
func NewCryptos() []Crypto {
	out := make([]Crypto, len(Suites))
	for i, s := range Suites {
		out[i] = NewCrypto(i+1, s)
	}
	return out
}

// String formats the attribute value: "1 AES_CM_128_HMAC_SHA1_80 inline:KEY".
func (c Crypto) String() string {
	return fmt.Sprintf("%d %s inline:%s", c.Tag, c.Suite, base64.StdEncoding.EncodeToString(c.Key))
}

func supportedSuite(s string) bool {
	for _, x := range Suites {
		if x == s {
			return true
		}
	}
	return false
}

// ParseCrypto reads an a=crypto value. ok=false (and no error) for a line we may ignore: an
// unknown suite, several keys, an MKI or session parameters. An error means a known suite with a
// broken line (bad tag or key), which the offer/answer treats as malformed.
func ParseCrypto(v string) (c Crypto, ok bool, err error) {
	f := strings.Fields(v)
	if len(f) < 3 {
		return c, false, fmt.Errorf("%w: %d fields", errBadCrypto, len(f))
	}
	c.Suite = strings.ToUpper(f[1])
	if !supportedSuite(c.Suite) {
		return c, false, nil
	}
	tag, err := strconv.Atoi(f[0])
	if err != nil || tag < 0 || tag > 999999999 || len(f[0]) > 10 {
		return c, false, fmt.Errorf("%w: tag %q", errBadCrypto, f[0])
	}
	c.Tag = tag
	if len(f) > 3 {
		return c, false, nil // session parameters (UNENCRYPTED_SRTP, KDR...): not supported
	}
	if strings.Contains(f[2], ";") {
		return c, false, nil // several keys: not supported
	}
	method, info, found := strings.Cut(f[2], ":")
	if !found || !strings.EqualFold(method, "inline") {
		return c, false, fmt.Errorf("%w: key method", errBadCrypto)
	}
	keyB64, rest, _ := strings.Cut(info, "|")
	if rest != "" {
		// lifetime and/or MKI: a lifetime alone is harmless; an MKI changes the packet format
		for _, p := range strings.Split(rest, "|") {
			if strings.Contains(p, ":") {
				return c, false, nil
			}
		}
	}
	key, err := base64.StdEncoding.DecodeString(keyB64)
	if err != nil {
		key, err = base64.RawStdEncoding.DecodeString(strings.TrimRight(keyB64, "="))
	}
	if err != nil || len(key) != MasterKeyLen {
		return c, false, fmt.Errorf("%w: inline key is not %d bytes of base64", errBadCrypto, MasterKeyLen)
	}
	c.Key = key
	return c, true, nil
}

// cryptos reads an m-line's usable a=crypto lines in the peer's order; a broken line of a suite
// we know is an error.
func cryptos(attrs []attrKV) ([]Crypto, error) {
	var out []Crypto
	for _, a := range attrs {
		if a.key != "crypto" {
			continue
		}
		c, ok, err := ParseCrypto(a.value)
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, c)
		}
	}
	return out, nil
}

// attrKV is one attribute, key lower-cased (pion keeps the case it was given).
type attrKV struct{ key, value string }

// isSAVP: the m-line's profile is secure RTP.
func isSAVP(protos []string) bool {
	p := strings.ToUpper(strings.Join(protos, "/"))
	return p == "RTP/SAVP" || p == "RTP/SAVPF"
}

// ourKey is our master key for a suite (the one offered in l.Crypto), or a fresh one.
func (l Local) ourKey(suite string) []byte {
	for _, c := range l.Crypto {
		if c.Suite == suite {
			return c.Key
		}
	}
	return NewCrypto(0, suite).Key
}

func encOr(e string) string {
	if e == "" {
		return EncNone
	}
	return e
}

// answerProtos: RTP/SAVP(F) is answered RTP/SAVP, anything else RTP/AVP (we do no RTCP feedback).
func answerProtos(offered []string) []string {
	if isSAVP(offered) {
		return []string{"RTP", "SAVP"}
	}
	return []string{"RTP", "AVP"}
}

func mediaAttrs(md *psdp.MediaDescription) []attrKV {
	out := make([]attrKV, 0, len(md.Attributes))
	for _, a := range md.Attributes {
		out = append(out, attrKV{strings.ToLower(a.Key), a.Value})
	}
	return out
}

// answerCrypto applies our policy to an offered audio m-line: keying is the peer's line we take
// (nil: plain RTP); why is set when the policy refuses the line; err when a line is broken.
func answerCrypto(l Local, md *psdp.MediaDescription) (keying *Crypto, why, err error) {
	enc := encOr(l.Encryption)
	savp := isSAVP(md.MediaName.Protos)
	if enc == EncNone {
		if savp {
			return nil, ErrSRTPOffered, nil
		}
		return nil, nil, nil // best-effort a=crypto on RTP/AVP: ignored, plain RTP
	}
	lines, err := cryptos(mediaAttrs(md))
	if err != nil {
		return nil, nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(lines) > 0 {
		return &lines[0], nil, nil // the offerer lists its preference first
	}
	switch {
	case enc == EncSRTP:
		return nil, ErrSRTPRequired, nil
	case savp:
		// RTP/SAVP without SDES keys (DTLS-SRTP, or no key at all): nothing we can do
		return nil, fmt.Errorf("%w: RTP/SAVP offer without a usable a=crypto (SDES) key", ErrNotAcceptable), nil
	}
	return nil, nil, nil
}

// answerKeying reads the answer to our offer: the peer's line must echo one of our tags and
// suites. Under EncSRTP an answer without one is refused (ErrNoCrypto).
func answerKeying(l Local, md *psdp.MediaDescription) (*SRTP, error) {
	enc := encOr(l.Encryption)
	if enc == EncNone || len(l.Crypto) == 0 {
		return nil, nil
	}
	lines, err := cryptos(mediaAttrs(md))
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	for _, peer := range lines {
		for _, ours := range l.Crypto {
			if peer.Tag == ours.Tag && peer.Suite == ours.Suite {
				return &SRTP{Suite: ours.Suite, LocalKey: ours.Key, RemoteKey: peer.Key}, nil
			}
		}
	}
	if enc == EncSRTP {
		return nil, ErrNoCrypto
	}
	return nil, nil
}
