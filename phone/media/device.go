package media

import (
	"fmt"

	"github.com/sipterm/sipterm/audio"
)

// openAt opens a stream on dev whose frames are 20 ms at rate: natively when the device can
// (audio.RateOpener), else at the device's 8 kHz with a resampler on each side (such a device
// cannot carry more than narrowband anyway).
func openAt(dev audio.Device, rate int) (audio.Stream, error) {
	if rate == audio.SampleRate {
		return dev.Open()
	}
	if ro, ok := dev.(audio.RateOpener); ok {
		return ro.OpenRate(rate)
	}
	st, err := dev.Open()
	if err != nil {
		return nil, err
	}
	up, err := audio.NewResampler(audio.SampleRate, rate)
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("media: stream at %d Hz: %w", rate, err)
	}
	down, err := audio.NewResampler(rate, audio.SampleRate)
	if err != nil {
		_ = st.Close()
		return nil, fmt.Errorf("media: stream at %d Hz: %w", rate, err)
	}
	return &rateStream{Stream: st, up: up, down: down}, nil
}

// rateStream shows an 8 kHz stream at another rate. Read and Write are each used by one
// goroutine (the send loop), so their buffers need no lock.
type rateStream struct {
	audio.Stream
	up, down *audio.Resampler
	in, out  [frameSamples]int16
}

func (r *rateStream) Read(frame []int16) error {
	if err := r.Stream.Read(r.in[:]); err != nil {
		return err
	}
	r.up.Process(r.in[:], frame)
	return nil
}

func (r *rateStream) Write(frame []int16) error {
	r.down.Process(frame, r.out[:])
	return r.Stream.Write(r.out[:])
}
