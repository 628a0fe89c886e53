package audio

import (
	"slices"
	"sync"
	"sync/atomic"
)

// paStream is one call's view of a PortAudioDevice: a capture ring the device goroutine fills
// and a playback ring it drains, both of 20 ms frames at the stream's own rate. The device
// goroutine converts between that rate and the device's (rateConv).
type paStream struct {
	dev     *PortAudioDevice
	frame   int // samples per frame at the stream's rate
	capture *frameRing
	play    *frameRing
	conv    *rateConv     // the conversion to and from the device rate, shared with streams at this rate
	out     []int16       // device goroutine only: the frame being mixed
	notify  chan struct{} // capacity 1: "a frame was delivered"
	done    chan struct{}
	once    sync.Once
	primed  bool // device goroutine only: the playback queue has had its cushion since the last gap
	// device goroutine only: the cushion in frames, and frames mixed since the last gap
	prebuffer, calm int
	// src, when set, gives each frame to play at mix time (PlaySourcer); the queue is unused
	src atomic.Pointer[func(frame []int16)]
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
		conv:      d.convs[rate],
		out:       make([]int16, n),
		notify:    make(chan struct{}, 1),
		done:      make(chan struct{}),
		prebuffer: playbackPrebufferMin,
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
	if s.src.Load() != nil { // the device pulls from the source instead
		return nil
	}
	if s.play.push(frame) {
		s.dev.c.playbackDrops.Add(1)
	}
	return nil
}

// Close removes the stream from the device; a blocked Read returns ErrClosed. It takes no lock
// a callback holds (playMu): a play source's owner may hold its own lock while closing it.
func (s *paStream) Close() error {
	s.once.Do(func() {
		close(s.done)
		s.src.Store(nil)
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
