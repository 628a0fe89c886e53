package media

import (
	"fmt"
	"sync"
	"sync/atomic"

	"gopkg.in/hraban/opus.v2"
)

// OpusParams are the peer's Opus fmtp parameters (RFC 7587 §6.1) that shape what we send.
type OpusParams struct {
	FEC             bool // useinbandfec=1: the peer's decoder uses in-band FEC, so we send it
	MaxPlaybackRate int  // maxplaybackrate: the peer plays no more than this (Hz); 0 = 48000
	Stereo          bool // stereo=1 (we still send mono, which every decoder plays)
	// MaxAverageBitrate is maxaveragebitrate (bits/s; 0: none): no rate we pick exceeds it.
	MaxAverageBitrate int

	// Our own encoder settings (config opus_complexity, opus_bitrate), not from the fmtp.
	Complexity int // see OpusComplexity; 0: celtComplexity or DefaultOpusComplexity (opusPolicy)
	Bitrate    int // bits/s; 0: opusPolicy's loss-driven choice
}

// DefaultOpusComplexity is the SILK/hybrid encoder's complexity when the config names none: 5
// costs about half of libopus's default 10 per frame with no audible difference for voice at VoIP
// rates (CELT runs at celtComplexity).
const DefaultOpusComplexity = 5

// OpusComplexity is the OpusParams.Complexity for libopus complexity n (0-10): the zero
// OpusParams means the default, so complexity 0 is stored as -1.
func OpusComplexity(n int) int {
	if n == 0 {
		return -1
	}
	return n
}

// libopusComplexity undoes OpusComplexity, with the default for 0.
func (p OpusParams) libopusComplexity() int {
	switch {
	case p.Complexity == 0:
		return DefaultOpusComplexity
	case p.Complexity < 0:
		return 0
	}
	return min(p.Complexity, 10)
}

// opusCoder is one session's libopus encoder and decoder, mono at 48 kHz. The encoder follows
// opusPolicy: the RTCP goroutine reports the peer's loss (peerLoss), the send goroutine applies
// the resulting settings before its next frame, so only the send goroutine touches enc.
type opusCoder struct {
	enc *opus.Encoder
	dec *opus.Decoder
	cur opusSettings // what enc runs with; send goroutine only

	params  OpusParams
	mu      sync.Mutex
	loss    lossTracker
	want    opusSettings // guarded by mu
	pending atomic.Bool  // want differs from cur: apply before the next frame
}

func newOpusCoder(p OpusParams) (*opusCoder, error) {
	o := &opusCoder{params: p}
	o.want = opusPolicy(p, lossState{})
	if err := o.apply(o.want); err != nil {
		return nil, err
	}
	dec, err := opus.NewDecoder(48000, 1)
	if err != nil {
		return nil, fmt.Errorf("media: creating Opus decoder: %w", err)
	}
	o.dec = dec
	return o, nil
}

// apply sets the encoder to s: a new encoder when the application changes (libopus fixes it at
// the first frame; the peer's decoder follows any mode change), else only the changed controls.
func (o *opusCoder) apply(s opusSettings) error {
	enc, old := o.enc, o.cur
	if enc == nil || s.app != old.app {
		var err error
		if enc, err = opus.NewEncoder(48000, 1, s.app); err != nil {
			return fmt.Errorf("media: creating Opus encoder: %w", err)
		}
		old = opusSettings{app: s.app, complexity: -1, bitrate: -1, lossPerc: -1, maxBW: -1}
	}
	type ctl struct {
		changed bool
		what    string
		set     func() error
	}
	for _, c := range []ctl{
		{s.complexity != old.complexity, "complexity", func() error { return enc.SetComplexity(s.complexity) }},
		{s.bitrate != old.bitrate, "bitrate", func() error {
			if s.bitrate == 0 {
				return enc.SetBitrateToAuto()
			}
			return enc.SetBitrate(s.bitrate)
		}},
		{s.fec != old.fec || old.lossPerc < 0, "in-band FEC", func() error { return enc.SetInBandFEC(s.fec) }},
		{s.lossPerc != old.lossPerc, "packet loss", func() error { return enc.SetPacketLossPerc(s.lossPerc) }},
		{s.maxBW != old.maxBW && (s.maxBW != 0 || old.maxBW > 0), "bandwidth", func() error {
			if s.maxBW == 0 {
				return enc.SetMaxBandwidth(opus.Fullband)
			}
			return enc.SetMaxBandwidth(s.maxBW)
		}},
	} {
		if c.changed {
			if err := c.set(); err != nil {
				return fmt.Errorf("media: Opus %s (%v): %w", c.what, s, err)
			}
		}
	}
	o.enc, o.cur = enc, s
	return nil
}

// peerLoss takes the fraction lost of one of the peer's reports about our stream (RTCP
// goroutine). It returns a notice when the encoder changes mode because of it, else "".
func (o *opusCoder) peerLoss(fraction uint8) string {
	o.mu.Lock()
	defer o.mu.Unlock()
	was := o.want
	o.want = opusPolicy(o.params, o.loss.report(fraction))
	if o.want == was {
		return ""
	}
	o.pending.Store(true)
	switch {
	case o.want.celt() == was.celt():
		return ""
	case o.want.celt():
		return fmt.Sprintf("Opus: the peer no longer loses our packets: sending %v", o.want)
	}
	return fmt.Sprintf("Opus: the peer lost %d %% of our packets: sending %v", int(fraction)*100/256, o.want)
}

// opusBandwidth is the widest audio band worth sending to a peer that plays at most rate Hz.
func opusBandwidth(rate int) (opus.Bandwidth, bool) {
	switch {
	case rate <= 0 || rate > 24000:
		return 0, false
	case rate > 16000:
		return opus.SuperWideband, true
	case rate > 12000:
		return opus.Wideband, true
	case rate > 8000:
		return opus.Mediumband, true
	}
	return opus.Narrowband, true
}

func (o *opusCoder) encode(dst []byte, src []int16) int {
	if o.pending.Load() {
		o.mu.Lock()
		want := o.want
		o.pending.Store(false)
		o.mu.Unlock()
		_ = o.apply(want) // on failure the encoder keeps its settings, which still work
	}
	n, err := o.enc.Encode(src, dst)
	if err != nil {
		return 0
	}
	return n
}

func (o *opusCoder) decode(dst []int16, src []byte) int {
	n, err := o.dec.Decode(src, dst)
	if err != nil {
		return 0
	}
	return n
}

// conceal makes the audio of one lost 20 ms packet: from next's in-band FEC when next is known,
// else libopus's own PLC.
func (o *opusCoder) conceal(dst []int16, next []byte) int {
	n := min(len(dst), 960)
	dst = dst[:n:n] // libopus conceals exactly cap(dst) samples
	if next != nil && o.dec.DecodeFEC(next, dst) == nil {
		return len(dst)
	}
	if o.dec.DecodePLC(dst) != nil {
		return 0
	}
	return len(dst)
}
