package media

import (
	"crypto/rand"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/netip"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sipterm/sipterm/audio"
)

// Direction is a stream's direction from our point of view (SDP a=sendrecv and friends).
type Direction int

const (
	// SendRecv sends and receives audio.
	SendRecv Direction = iota
	// SendOnly is our hold (we offered a=sendonly): no RTP audio is sent (there is no music on
	// hold, and the microphone must not leak) and nothing is played; RTCP continues.
	SendOnly
	// RecvOnly receives and plays audio but sends none (the peer holds us and plays music).
	RecvOnly
	// Inactive neither sends nor receives audio; RTCP continues.
	Inactive
)

// String gives the SDP attribute name.
func (d Direction) String() string {
	switch d {
	case SendRecv:
		return "sendrecv"
	case SendOnly:
		return "sendonly"
	case RecvOnly:
		return "recvonly"
	case Inactive:
		return "inactive"
	}
	return fmt.Sprintf("Direction(%d)", int(d))
}

// sends: only SendRecv sends audio; SendOnly is hold (see SendOnly).
func (d Direction) sends() bool    { return d == SendRecv }
func (d Direction) receives() bool { return d == SendRecv || d == RecvOnly }

// Codec is the negotiated audio codec.
type Codec struct {
	PT        uint8
	Name      string // "PCMU", "PCMA", "G722" or "opus"
	ClockRate int    // RTP clock: 8000, or 48000 for opus
}

// The codecs this package implements, with their static payload types.
var (
	PCMU = Codec{PT: 0, Name: "PCMU", ClockRate: 8000}
	PCMA = Codec{PT: 8, Name: "PCMA", ClockRate: 8000}
)

// Params are the negotiated media parameters the phone core hands over after offer/answer.
type Params struct {
	Remote    netip.AddrPort // where to send RTP; zero or unspecified (0.0.0.0) or port 0 = never send
	Codec     Codec
	DTMFPT    uint8 // telephone-event payload type, 0 = none negotiated
	Direction Direction
	PtimeMs   int // 0 = 20
	// RemoteRTCP is the peer's RTCP address from a=rtcp (RFC 3605); zero = Remote's port + 1.
	RemoteRTCP netip.AddrPort
	SRTP       *SRTP      // nil: plain RTP/RTCP
	Opus       OpusParams // the peer's Opus fmtp, when Codec is opus
	CNPT       uint8      // comfort noise (RFC 3389) payload type agreed, 0 = none (13 is accepted anyway)
}

// Config configures a Session. Every callback is called from a media goroutine and must not block
// or call Close (Close waits for those goroutines): hand the work to another goroutine.
type Config struct {
	LocalIP          netip.Addr // address to bind RTP/RTCP to (e.g. 127.0.0.1 or 0.0.0.0)
	PortMin, PortMax int        // RTP port range; RTCP = RTP+1; 0,0 = 10000..20000
	Device           audio.Device
	Logger           *slog.Logger
	// RTPTimeout: no RTP received for this long while receiving is expected (sendrecv/recvonly)
	// -> OnTimeout once. 0 = off.
	RTPTimeout time.Duration
	OnDTMF     func(digit string) // RFC 4733 digit received, once per event
	OnStats    func(Stats)        // at each RTCP report, about every 5 s
	OnTimeout  func()
	OnNotice   func(msg string) // e.g. "RTP from unexpected source ignored", device errors
}

// Errors returned by Session methods.
var (
	ErrClosed       = errors.New("media: session closed")
	ErrStarted      = errors.New("media: session already started")
	ErrNotStarted   = errors.New("media: session not started")
	ErrNoDTMF       = errors.New("media: no telephone-event payload type negotiated")
	ErrBadDigit     = errors.New("media: not a DTMF digit")
	ErrUnknownCodec = errors.New("media: unsupported codec")
	ErrNoPortsFree  = errors.New("media: no free RTP/RTCP port pair")
)

// defaultRTCPPeriod is the mean RTCP report interval.
const defaultRTCPPeriod = 5 * time.Second

// Session is one call's RTP/RTCP media. Create it with NewSession, put LocalAddr in the SDP, Start
// it with the negotiated Params, Update it on re-INVITE, and Close it when the call ends.
type Session struct {
	cfg      Config
	log      *slog.Logger
	rtpConn  *net.UDPConn
	rtcpConn *net.UDPConn
	local    netip.AddrPort
	ssrc     uint32
	cname    string

	// Test seams and the echo endpoint; set before Start.
	rtcpPeriod time.Duration
	ctlClock   *framePacer // sharedControl; a faster one in tests
	newStream  func(rate int) (audio.Stream, error)
	rate       int // PCM rate of the device stream and the jitter buffer, fixed at Start

	tap    atomic.Pointer[Tap] // per-call capture (tap.go), nil: off
	linger lingerState         // RTP socket kept open after Close (linger.go)

	done      chan struct{}
	wg        sync.WaitGroup
	closeOnce sync.Once

	mu      sync.Mutex
	params  Params
	codec   codecFuncs
	started bool
	closing bool
	stream  audio.Stream
	muted   bool
	dtmfQ   []byte // digits waiting to be sent
	peer    peerState
	rx      rxState
	tx      txCounters
	timeout timeoutState
	levels  struct{ mic, spk float64 }
	fb      feedbackState // the DTMF tone the user hears while a digit is sent (play.go)
	pull    pullClock     // the pulls' schedule against the wall clock (play.go)
	quality qualityState
	crypto  *cryptoState // nil: plain RTP
	paced   *pacedSender // the send side on the shared clock, nil when the device paces
	control *pacedSender // the timeout check and RTCP reports on sharedControl (control.go)

	authFailures atomic.Uint64 // SRTP/SRTCP packets dropped for a bad auth tag

	// guarded by mu (mixer.go)
	mix      *MixLeg // the call's place in a local conference, nil when not conferenced
	detached bool    // another call has the microphone and speaker
}

// NewSession binds the RTP and RTCP sockets (an even/odd pair from the configured range). No
// goroutine runs until Start.
func NewSession(cfg Config) (*Session, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if !cfg.LocalIP.IsValid() {
		cfg.LocalIP = netip.IPv4Unspecified()
	}
	rtpConn, rtcpConn, err := bindPair(cfg.LocalIP, cfg.PortMin, cfg.PortMax)
	if err != nil {
		return nil, err
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	ssrc := binary.BigEndian.Uint32(b[:])
	s := &Session{
		cfg:        cfg,
		rtpConn:    rtpConn,
		rtcpConn:   rtcpConn,
		local:      netip.AddrPortFrom(cfg.LocalIP, uint16(rtpConn.LocalAddr().(*net.UDPAddr).Port)),
		ssrc:       ssrc,
		cname:      fmt.Sprintf("%08x@sipterm", ssrc),
		rtcpPeriod: defaultRTCPPeriod,
		ctlClock:   sharedControl,
		done:       make(chan struct{}),
	}
	s.log = cfg.Logger.With("rtp", s.local.String())
	s.rx.jb = newJitterBuffer()
	s.rate = 8000
	s.newStream = s.openDevice
	return s, nil
}

func bindPair(ip netip.Addr, lo, hi int) (*net.UDPConn, *net.UDPConn, error) {
	if lo == 0 && hi == 0 {
		lo, hi = 10000, 20000
	}
	lo += lo & 1
	if hi < lo+1 || lo < 2 || hi > 65535 {
		return nil, nil, fmt.Errorf("media: bad RTP port range %d..%d", lo, hi)
	}
	network := "udp" // IPv6 (or :: dual-stack)
	if ip.Is4() {
		network = "udp4"
	}
	pairs := (hi - lo + 1) / 2
	start := mrand.IntN(pairs)
	var lastErr error
	for i := range pairs {
		port := lo + 2*((start+i)%pairs)
		a, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port))))
		if err != nil {
			lastErr = err
			continue
		}
		b, err := net.ListenUDP(network, net.UDPAddrFromAddrPort(netip.AddrPortFrom(ip, uint16(port+1))))
		if err != nil {
			_ = a.Close()
			lastErr = err
			continue
		}
		return a, b, nil
	}
	return nil, nil, fmt.Errorf("%w in %d..%d on %s: %v", ErrNoPortsFree, lo, hi, ip, lastErr)
}

// LocalAddr is the RTP address to put in SDP. If LocalIP was unspecified, the phone substitutes
// its own IP.
func (s *Session) LocalAddr() netip.AddrPort { return s.local }

func (s *Session) openDevice(rate int) (audio.Stream, error) {
	if s.cfg.Device == nil {
		return newClockStream(0), nil
	}
	return openAt(s.cfg.Device, rate)
}

// Start opens a Stream on the Device and starts sending and receiving.
func (s *Session) Start(p Params) error {
	p, c, err := normalise(p)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ErrClosed
	}
	if s.started {
		return ErrStarted
	}
	cs, err := newCryptoState(p.SRTP, s.crypto)
	if err != nil {
		return err
	}
	// The whole pipeline runs at the codec's own rate: wideband stays wideband to the device.
	s.rate = c.rate
	if j := s.rx.jb; j.rate != s.rate || j.haveSSRC {
		s.rx.jb = newJitterBufferAt(s.rate) // else NewSession's, still untouched, serves
	}
	s.codec = codecFuncs{} // instantiate anew at this rate
	st, err := s.newStream(s.rate)
	if err != nil {
		return fmt.Errorf("media: open audio stream: %w", err)
	}
	s.stream = st
	s.started = true
	s.crypto = cs
	if err := s.setParamsLocked(p, c, time.Now()); err != nil {
		_ = st.Close()
		s.stream, s.started = nil, false
		return err
	}
	s.wg.Add(3)
	s.startSender(st)
	go s.rtpLoop()
	go s.rtcpLoop()
	s.startControl()
	return nil
}

// Update applies a re-INVITE's result: new remote, codec or direction on the same sockets. Hold
// is SendOnly or Inactive (our RTP audio stops, RTCP continues); resume is SendRecv.
func (s *Session) Update(p Params) error {
	p, c, err := normalise(p)
	if err != nil {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ErrClosed
	}
	cs, err := newCryptoState(p.SRTP, s.crypto)
	if err != nil {
		return err
	}
	s.crypto = cs
	return s.setParamsLocked(p, c, time.Now())
}

func (s *Session) setParamsLocked(p Params, c codecFuncs, now time.Time) error {
	old := s.params
	if s.codec.enc == nil || p.Codec != old.Codec || p.Opus != old.Opus {
		// A new codec (or new Opus parameters) gets fresh state; a re-INVITE that keeps the
		// codec keeps the encoder and decoder running.
		var err error
		if c, err = instantiate(c, p); err == nil {
			c, err = atRate(c, s.rate)
		}
		if err != nil {
			return err
		}
	} else {
		c = s.codec
	}
	if p.Remote != old.Remote || p.RemoteRTCP != old.RemoteRTCP {
		s.peer = peerState{}
	}
	if p.Direction.receives() && (!old.Direction.receives() || p.Remote != old.Remote || !s.timeout.armed) {
		s.timeout.since = now
		s.timeout.armed = true
	}
	s.params = p
	s.codec = c
	return nil
}

func normalise(p Params) (Params, codecFuncs, error) {
	c, ok := codecByName(p.Codec)
	if !ok {
		return p, c, fmt.Errorf("%w: %q/%d", ErrUnknownCodec, p.Codec.Name, p.Codec.PT)
	}
	if p.Codec.ClockRate == 0 {
		p.Codec.ClockRate = c.clock
	}
	if p.Codec.ClockRate != c.clock {
		return p, c, fmt.Errorf("%w: clock rate %d", ErrUnknownCodec, p.Codec.ClockRate)
	}
	if p.Codec.Name == "" {
		p.Codec.Name = c.name
	}
	if p.PtimeMs <= 0 || p.PtimeMs%10 != 0 || p.PtimeMs > maxPacketMs {
		p.PtimeMs = 20
	}
	if p.Remote.IsValid() {
		p.Remote = netip.AddrPortFrom(p.Remote.Addr().Unmap(), p.Remote.Port())
	}
	if p.RemoteRTCP.IsValid() {
		p.RemoteRTCP = netip.AddrPortFrom(p.RemoteRTCP.Addr().Unmap(), p.RemoteRTCP.Port())
	}
	return p, c, nil
}

// SetMute sends silence instead of the microphone while on (RTP keeps flowing).
func (s *Session) SetMute(on bool) {
	s.mu.Lock()
	s.muted = on
	s.mu.Unlock()
}

// SendDTMF queues digits (0-9 * # A-D) to send as RFC 4733 events, one after another, each about
// 100 ms followed by a pause.
func (s *Session) SendDTMF(digits string) error {
	for i := range len(digits) {
		if _, ok := digitEvent(digits[i]); !ok {
			return fmt.Errorf("%w: %q", ErrBadDigit, digits[i])
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing {
		return ErrClosed
	}
	if s.params.DTMFPT == 0 {
		return ErrNoDTMF
	}
	s.dtmfQ = append(s.dtmfQ, strings.ToUpper(digits)...)
	return nil
}

// Close stops the media goroutines (and waits for them), sends RTCP BYE, closes the Stream and
// the sockets. It is idempotent.
func (s *Session) Close() error {
	s.closeOnce.Do(func() {
		s.mu.Lock()
		s.closing = true
		started := s.started
		st := s.stream
		paced := s.paced
		control := s.control
		s.mu.Unlock()
		s.stopControl(control) // no report from the clock after the BYE or on closed sockets
		close(s.done)
		if started {
			s.sendBye()
		}
		if st != nil {
			_ = st.Close()
		}
		if paced != nil {
			sharedPacer.remove(paced)
		}
		closed := time.Now()
		s.stopRTPReader()
		_ = s.rtcpConn.Close()
		s.wg.Wait()
		s.lingerRTP(closed)
		s.mu.Lock()
		if s.stream != nil && s.stream != st {
			_ = s.stream.Close()
		}
		s.mu.Unlock()
	})
	return nil
}

func (s *Session) isClosing() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.closing
}

func (s *Session) notice(msg string) {
	s.log.Info(msg)
	if s.cfg.OnNotice != nil {
		s.cfg.OnNotice(msg)
	}
}

// sendTargetLocked is where RTP goes now: the latched peer, else the negotiated remote; invalid
// when we must not send.
func (s *Session) sendTargetLocked() netip.AddrPort {
	r := s.params.Remote
	if !r.IsValid() || r.Addr().IsUnspecified() || r.Port() == 0 {
		return netip.AddrPort{}
	}
	if s.peer.latched.IsValid() {
		return s.peer.latched
	}
	return r
}
