package audio

import (
	"fmt"
	"time"
)

// RateOpener is a Device that also opens streams at another rate than SampleRate, so that a
// wideband codec (G.722 at 16 kHz, Opus at 48 kHz) reaches the device without going through
// 8 kHz. Frames of such a stream are FrameSamplesAt(rate) long.
type RateOpener interface {
	OpenRate(rate int) (Stream, error)
}

// Rates a stream may run at: 8, 16 and 48 kHz (the codecs' own rates).
var streamRates = map[int]bool{8000: true, 16000: true, 48000: true}

// FrameSamplesAt is one 20 ms frame at rate Hz.
func FrameSamplesAt(rate int) int { return rate * int(FrameDuration/time.Millisecond) / 1000 }

func checkRate(rate int) error {
	if !streamRates[rate] {
		return fmt.Errorf("opening audio stream at %d Hz: only 8000, 16000 and 48000 Hz", rate)
	}
	return nil
}

// checkFrameLen is checkFrame for a stream whose frames are n samples long.
func checkFrameLen(op string, frame []int16, n int, done <-chan struct{}) error {
	if n == FrameSamples || n == 0 {
		return checkFrame(op, frame, done)
	}
	if len(frame) != n {
		return fmt.Errorf("%s audio: %w (got %d, want %d)", op, ErrFrameSize, len(frame), n)
	}
	select {
	case <-done:
		return ErrClosed
	default:
		return nil
	}
}

var (
	_ RateOpener = (*NullDevice)(nil)
	_ RateOpener = (*FileDevice)(nil)
)

// OpenRate opens a silent stream whose frames are 20 ms at rate.
func (d *NullDevice) OpenRate(rate int) (Stream, error) {
	if err := checkRate(rate); err != nil {
		return nil, err
	}
	s, err := newPacedStream(&d.streams, &d.counters, silence{}, discard{})
	if err != nil {
		return nil, err
	}
	s.frame = FrameSamplesAt(rate)
	return s, nil
}
