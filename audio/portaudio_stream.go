package audio

import (
	"fmt"
	"slices"
	"sync"
)

// paStream is one call's view of a PortAudioDevice: a capture ring the device goroutine fills
// and a playback ring it drains, both of 20 ms frames at the stream's own rate. The device
// goroutine converts between that rate and the device's, once per direction.
type paStream struct {
	dev     *PortAudioDevice
	frame   int // samples per frame at the stream's rate
	capture *frameRing
	play    *frameRing
	// device goroutine only: the resamplers from and to the device rate (nil when the stream
	// runs at the device's rate), a frame at the stream's rate and a block at the device's
	down, up *Resampler
	in, out  []int16
	outDev   []int16
	notify   chan struct{} // capacity 1: "a frame was delivered"
	done     chan struct{}
	once     sync.Once
	primed   bool // device goroutine only: the playback queue has had its cushion since the last gap
	// device goroutine only: the cushion in frames, and frames mixed since the last gap
	prebuffer, calm int
}

// Open adds an 8 kHz stream that receives every captured frame from now on and whose writes
// are mixed into playback.
func (d *PortAudioDevice) Open() (Stream, error) { return d.OpenRate(SampleRate) }

// OpenRate is Open for a stream whose frames are 20 ms at rate (a wideband codec's): it is
// converted to and from the device's rate directly, never through 8 kHz.
func (d *PortAudioDevice) OpenRate(rate int) (Stream, error) {
	if err := checkRate(rate); err != nil {
		return nil, err
	}
	n := FrameSamplesAt(rate)
	s := &paStream{
		dev:       d,
		frame:     n,
		capture:   newFrameRing(captureRingFrames, n),
		play:      newFrameRing(playbackRingFrames, n),
		in:        make([]int16, n),
		out:       make([]int16, n),
		notify:    make(chan struct{}, 1),
		done:      make(chan struct{}),
		prebuffer: playbackPrebufferMin,
	}
	if rate != d.rate {
		var err error
		if s.down, err = NewResampler(d.rate, rate); err != nil {
			return nil, fmt.Errorf("opening audio stream at %d Hz: %w", rate, err)
		}
		if s.up, err = NewResampler(rate, d.rate); err != nil {
			return nil, fmt.Errorf("opening audio stream at %d Hz: %w", rate, err)
		}
		s.outDev = make([]int16, d.block())
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.closed {
		return nil, ErrClosed
	}
	var list []*paStream
	if p := d.streams.Load(); p != nil {
		list = *p
	}
	list = append(slices.Clip(list), s)
	d.streams.Store(&list)
	select { // after the store: an idle device goroutine checks the list after draining this
	case d.wake <- struct{}{}:
	default:
	}
	return s, nil
}

// Read waits for the next captured frame; the device's clock paces it.
func (s *paStream) Read(frame []int16) error {
	if err := checkFrameLen("reading", frame, s.frame, s.done); err != nil {
		return err
	}
	for {
		select {
		case <-s.done:
			return ErrClosed
		default:
		}
		if s.capture.pop(frame) {
			return nil
		}
		select {
		case <-s.notify:
		case <-s.done:
			return ErrClosed
		case <-s.dev.stop:
			return ErrClosed
		}
	}
}

// Write queues frame for the next mix; it never blocks on the device.
func (s *paStream) Write(frame []int16) error {
	if err := checkFrameLen("writing", frame, s.frame, s.done); err != nil {
		return err
	}
	if s.play.push(frame) {
		s.dev.c.playbackDrops.Add(1)
	}
	return nil
}

// Close removes the stream from the device; a blocked Read returns ErrClosed.
func (s *paStream) Close() error {
	s.once.Do(func() {
		close(s.done)
		d := s.dev
		d.mu.Lock()
		defer d.mu.Unlock()
		p := d.streams.Load()
		if p == nil {
			return
		}
		list := slices.DeleteFunc(slices.Clone(*p), func(o *paStream) bool { return o == s })
		d.streams.Store(&list)
	})
	return nil
}

// pushCaptured converts one captured block (device rate, mono) to the stream's rate and
// queues it; true when the oldest queued frame was dropped for it. Device goroutine only.
func (s *paStream) pushCaptured(block []int16) (dropped bool) {
	f := block
	if s.down != nil {
		n := s.down.Process(block, s.in)
		clear(s.in[n:]) // cannot happen with whole 20 ms blocks; keep the frame whole anyway
		f = s.in
	}
	return s.capture.push(f)
}

// popPlayback takes the stream's next queued frame at the device's rate; false when none is
// queued. The slice is valid until the next call. Device goroutine only.
func (s *paStream) popPlayback() ([]int16, bool) {
	if !s.play.pop(s.out) {
		return nil, false
	}
	if s.up == nil {
		return s.out, true
	}
	n := s.up.Process(s.out, s.outDev)
	clear(s.outDev[n:])
	return s.outDev, true
}

// resetResamplers forgets the sound before a device reopen. Device goroutine only.
func (s *paStream) resetResamplers() {
	if s.down != nil {
		s.down.Reset()
		s.up.Reset()
	}
}
