package media

import (
	"fmt"

	"gopkg.in/hraban/opus.v2"
)

// OpusParams are the peer's Opus fmtp parameters (RFC 7587 §6.1) that shape what we send.
type OpusParams struct {
	FEC             bool // useinbandfec=1: the peer's decoder uses in-band FEC, so we send it
	MaxPlaybackRate int  // maxplaybackrate: the peer plays no more than this (Hz); 0 = 48000
	Stereo          bool // stereo=1 (we still send mono, which every decoder plays)

	// Our own encoder settings (config opus_complexity, opus_bitrate), not from the fmtp.
	Complexity int // see OpusComplexity; 0: DefaultOpusComplexity
	Bitrate    int // bits/s; 0: libopus's automatic rate
}

// DefaultOpusComplexity is the encoder complexity when the config names none: 5 costs about half
// of libopus's default 10 per frame with no audible difference for voice at VoIP rates.
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

// opusLossPercent is the loss the encoder plans its FEC for when the peer wants FEC.
const opusLossPercent = 10

// opusCoder is one session's libopus encoder and decoder, mono at 48 kHz.
type opusCoder struct {
	enc *opus.Encoder
	dec *opus.Decoder
}

func newOpusCoder(p OpusParams) (*opusCoder, error) {
	enc, err := opus.NewEncoder(48000, 1, opus.AppVoIP)
	if err != nil {
		return nil, fmt.Errorf("media: creating Opus encoder: %w", err)
	}
	dec, err := opus.NewDecoder(48000, 1)
	if err != nil {
		return nil, fmt.Errorf("media: creating Opus decoder: %w", err)
	}
	if p.FEC {
		if err := enc.SetInBandFEC(true); err != nil {
			return nil, fmt.Errorf("media: Opus in-band FEC: %w", err)
		}
		if err := enc.SetPacketLossPerc(opusLossPercent); err != nil {
			return nil, fmt.Errorf("media: Opus packet loss: %w", err)
		}
	}
	if err := enc.SetComplexity(p.libopusComplexity()); err != nil {
		return nil, fmt.Errorf("media: Opus complexity %d: %w", p.libopusComplexity(), err)
	}
	if p.Bitrate > 0 {
		if err := enc.SetBitrate(p.Bitrate); err != nil {
			return nil, fmt.Errorf("media: Opus bitrate %d: %w", p.Bitrate, err)
		}
	}
	if bw, ok := opusBandwidth(p.MaxPlaybackRate); ok {
		if err := enc.SetMaxBandwidth(bw); err != nil {
			return nil, fmt.Errorf("media: Opus bandwidth: %w", err)
		}
	}
	return &opusCoder{enc: enc, dec: dec}, nil
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
