package media

import (
	"fmt"
	"strings"

	"github.com/sipterm/sipterm/audio"
	"github.com/sipterm/sipterm/phone/media/g722"
)

// codecFuncs is a codec as the media loops use it: its PCM rate, its RTP clock and the encode
// and decode functions of ONE session (G.722 and Opus keep state between packets, so each
// session gets its own instance from instantiate).
type codecFuncs struct {
	name  string
	pt    uint8
	rate  int // PCM sample rate: 8000, 16000 or 48000
	clock int // RTP timestamp rate (8000 for G.722: RFC 3551's quirk)
	enc   func(dst []byte, src []int16) int
	dec   func(dst []int16, src []byte) int
	// conceal fills dst (one packet's worth) for a lost packet; next is the packet after it when
	// known (Opus recovers the loss from its in-band FEC), else nil. nil: the jitter buffer's own
	// repeat-and-fade conceals.
	conceal func(dst []int16, next []byte) int
	// peerLoss takes the fraction lost (/256) of a peer's RTCP report about our stream and
	// returns a notice when it changes how we encode; nil: the codec does not adapt.
	peerLoss func(fraction uint8) string
}

var (
	ulaw = codecFuncs{name: "PCMU", pt: 0, rate: 8000, clock: 8000, enc: EncodeUlaw, dec: DecodeUlaw}
	alaw = codecFuncs{name: "PCMA", pt: 8, rate: 8000, clock: 8000, enc: EncodeAlaw, dec: DecodeAlaw}
)

// codecByName finds the codec by name, or by static payload type when the name is empty. The
// result has no state yet: see instantiate.
func codecByName(c Codec) (codecFuncs, bool) {
	var f codecFuncs
	switch {
	case strings.EqualFold(c.Name, "PCMU"), c.Name == "" && c.PT == 0:
		f = ulaw
	case strings.EqualFold(c.Name, "PCMA"), c.Name == "" && c.PT == 8:
		f = alaw
	case strings.EqualFold(c.Name, "G722"), c.Name == "" && c.PT == 9:
		f = codecFuncs{name: "G722", pt: 9, rate: 16000, clock: 8000}
	case strings.EqualFold(c.Name, "opus"):
		f = codecFuncs{name: "opus", rate: 48000, clock: 48000}
	default:
		return codecFuncs{}, false
	}
	if c.Name != "" {
		f.pt = c.PT
	}
	return f, true
}

// instantiate gives the codec its per-session state.
func instantiate(f codecFuncs, p Params) (codecFuncs, error) {
	switch f.name {
	case "G722":
		e, d := g722.NewEncoder(), g722.NewDecoder()
		f.enc, f.dec = e.Encode, d.Decode
	case "opus":
		o, err := newOpusCoder(p.Opus)
		if err != nil {
			return f, err
		}
		f.enc, f.dec, f.conceal, f.peerLoss = o.encode, o.decode, o.conceal, o.peerLoss
	}
	return f, nil
}

// atRate adapts a codec to the session's PCM rate when they differ (a re-INVITE changed the
// codec after the device was opened): PCM is resampled on both sides of the codec.
func atRate(f codecFuncs, rate int) (codecFuncs, error) {
	if f.rate == rate {
		return f, nil
	}
	down, err := audio.NewResampler(rate, f.rate)
	if err != nil {
		return f, fmt.Errorf("media: %s at %d Hz: %w", f.name, rate, err)
	}
	up, err := audio.NewResampler(f.rate, rate)
	if err != nil {
		return f, fmt.Errorf("media: %s at %d Hz: %w", f.name, rate, err)
	}
	enc, dec, conceal := f.enc, f.dec, f.conceal
	var encBuf, decBuf [maxPacketSamples]int16
	f.enc = func(dst []byte, src []int16) int {
		n := down.Process(src, encBuf[:])
		return enc(dst, encBuf[:n])
	}
	f.dec = func(dst []int16, src []byte) int {
		return up.Process(decBuf[:dec(decBuf[:], src)], dst)
	}
	if conceal != nil {
		f.conceal = func(dst []int16, next []byte) int {
			return up.Process(decBuf[:conceal(decBuf[:], next)], dst)
		}
	}
	f.rate = rate
	return f, nil
}

// decoderFor picks the decoder for a received payload type: the negotiated one, else the static
// G.711 types (some peers switch without a re-INVITE) while the session runs at 8 kHz.
func decoderFor(negotiated codecFuncs, pt uint8) (func(dst []int16, src []byte) int, bool) {
	switch {
	case negotiated.dec != nil && pt == negotiated.pt:
		return negotiated.dec, true
	case negotiated.rate != 8000 && negotiated.rate != 0:
		return nil, false
	case pt == 0:
		return DecodeUlaw, true
	case pt == 8:
		return DecodeAlaw, true
	}
	return nil, false
}
