package media

import (
	"bytes"
	"errors"
	"fmt"
	"sync"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
	"github.com/pion/srtp/v3"
)

// SRTP is a call's SDES keying (RFC 4568): LocalKey protects what we send, RemoteKey checks and
// decrypts what the peer sends. Each key is the master key||salt (30 bytes for AES_CM_128).
type SRTP struct {
	Suite     string // "AES_CM_128_HMAC_SHA1_80" or "AES_CM_128_HMAC_SHA1_32"
	LocalKey  []byte
	RemoteKey []byte
}

// ErrUnknownSuite: an SRTP crypto suite this package does not implement.
var ErrUnknownSuite = errors.New("media: unsupported SRTP crypto suite")

// srtpOverhead is the most SRTP/SRTCP adds to a packet: a 10-byte tag plus SRTCP's 4-byte index.
const srtpOverhead = 14

func profileOf(suite string) (srtp.ProtectionProfile, error) {
	switch suite {
	case "AES_CM_128_HMAC_SHA1_80":
		return srtp.ProtectionProfileAes128CmHmacSha1_80, nil
	case "AES_CM_128_HMAC_SHA1_32":
		return srtp.ProtectionProfileAes128CmHmacSha1_32, nil
	}
	return 0, fmt.Errorf("%w: %q", ErrUnknownSuite, suite)
}

// srtpEnd is one direction of one protocol (RTP or RTCP) with its own context and buffer, so
// the loops that use different ends never share state. Ends that two goroutines use lock mu.
type srtpEnd struct {
	mu   sync.Mutex
	ctx  *srtp.Context
	buf  [rtpBufSize + srtpOverhead]byte
	rtpH rtp.Header
	rtcH rtcp.Header
}

func newEnd(suite string, key []byte) (*srtpEnd, error) {
	prof, err := profileOf(suite)
	if err != nil {
		return nil, err
	}
	kl, _ := prof.KeyLen()
	sl, _ := prof.SaltLen()
	if len(key) != kl+sl {
		return nil, fmt.Errorf("media: SRTP master key is %d bytes, want %d", len(key), kl+sl)
	}
	ctx, err := srtp.CreateContext(key[:kl], key[kl:], prof,
		srtp.SRTPReplayProtection(128), srtp.SRTCPReplayProtection(128))
	if err != nil {
		return nil, fmt.Errorf("media: SRTP context: %w", err)
	}
	return &srtpEnd{ctx: ctx}, nil
}

// cryptoState is the session's SRTP: one end per direction and protocol. The send loop alone
// uses txRTP and the RTP loop alone rxRTP; the RTCP ends are shared and locked.
type cryptoState struct {
	keys                         SRTP
	txRTP, txRTCP, rxRTP, rxRTCP *srtpEnd
}

// newCryptoState builds the contexts for k, keeping old's ends whose key did not change (a
// re-INVITE that keeps its keys keeps the rollover counters and replay windows, RFC 4568 §7.1.4).
func newCryptoState(k *SRTP, old *cryptoState) (*cryptoState, error) {
	if k == nil {
		return nil, nil
	}
	cs := &cryptoState{keys: SRTP{Suite: k.Suite, LocalKey: bytes.Clone(k.LocalKey), RemoteKey: bytes.Clone(k.RemoteKey)}}
	if old != nil && old.keys.Suite == k.Suite && bytes.Equal(old.keys.LocalKey, k.LocalKey) {
		cs.txRTP, cs.txRTCP = old.txRTP, old.txRTCP
	} else {
		var err error
		if cs.txRTP, err = newEnd(k.Suite, k.LocalKey); err != nil {
			return nil, err
		}
		if cs.txRTCP, err = newEnd(k.Suite, k.LocalKey); err != nil {
			return nil, err
		}
	}
	if old != nil && old.keys.Suite == k.Suite && bytes.Equal(old.keys.RemoteKey, k.RemoteKey) {
		cs.rxRTP, cs.rxRTCP = old.rxRTP, old.rxRTCP
	} else {
		var err error
		if cs.rxRTP, err = newEnd(k.Suite, k.RemoteKey); err != nil {
			return nil, err
		}
		if cs.rxRTCP, err = newEnd(k.Suite, k.RemoteKey); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// protectRTP encrypts a marshalled RTP packet into the end's buffer (send loop only).
func (e *srtpEnd) protectRTP(plain []byte) ([]byte, error) {
	return e.ctx.EncryptRTP(e.buf[:0], plain, &e.rtpH)
}

// unprotectRTP checks and decrypts an SRTP packet into the end's buffer (RTP loop only).
func (e *srtpEnd) unprotectRTP(packet []byte) ([]byte, error) {
	return e.ctx.DecryptRTP(e.buf[:0], packet, &e.rtpH)
}

// protectRTCP encrypts a compound RTCP packet and hands the result to send under the lock.
func (e *srtpEnd) protectRTCP(plain []byte, send func([]byte)) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	out, err := e.ctx.EncryptRTCP(e.buf[:0], plain, &e.rtcH)
	if err != nil {
		return err
	}
	send(out)
	return nil
}

// unprotectRTCP checks, decrypts and parses an SRTCP packet.
func (e *srtpEnd) unprotectRTCP(packet []byte) ([]rtcp.Packet, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	plain, err := e.ctx.DecryptRTCP(e.buf[:0], packet, &e.rtcH)
	if err != nil {
		return nil, err
	}
	return rtcp.Unmarshal(plain)
}

// isAuthFailure: the packet was not protected with the peer's key (forged, corrupted, plain RTP
// or the wrong key). Replays and runts are dropped without counting.
func isAuthFailure(err error) bool { return errors.Is(err, srtp.ErrFailedToVerifyAuthTag) }

// crypto is the current SRTP state, nil for plain RTP.
func (s *Session) cryptoNow() *cryptoState {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.crypto
}

// srtpDropped counts a packet that failed SRTP/SRTCP checks; the first auth failure is a notice.
func (s *Session) srtpDropped(err error, what string) {
	if !isAuthFailure(err) {
		return
	}
	if s.authFailures.Add(1) == 1 {
		s.notice(what + " failed SRTP authentication: dropped (counted in stats)")
	}
}
