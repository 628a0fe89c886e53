package audio

import (
	"context"
	"errors"
	"fmt"
)

// PlaybackOpener is implemented by devices that can give a stream which only plays: local
// tones and rings, which are not part of any call's audio. The file device uses it so that a
// ringback tone neither records to a file nor takes the first recording name.
type PlaybackOpener interface {
	OpenPlayback() (Stream, error)
}

// OpenPlayback opens a stream for local sounds: PlaybackOpener's stream when dev has one,
// otherwise an ordinary stream.
func OpenPlayback(dev Device) (Stream, error) {
	if p, ok := dev.(PlaybackOpener); ok {
		return p.OpenPlayback()
	}
	return dev.Open()
}

// OpenPlayback gives a stream that captures silence and records nothing; it is paced like
// every stream of the device.
func (d *FileDevice) OpenPlayback() (Stream, error) {
	return newPacedStream(&d.streams, &d.counters, silence{}, discard{})
}

// PlayTone plays plan on its own stream of dev until ctx is cancelled or, for a plan that
// does not repeat, until it has played; it returns nil then. It reads the stream as it goes:
// Read is the clock that paces the writes (and drains what the device captured for it).
func PlayTone(ctx context.Context, dev Device, plan TonePlan) error {
	g, err := NewToneGenerator(plan)
	if err != nil {
		return err
	}
	if ctx.Err() != nil { // stopped before it started (the call was answered meanwhile)
		return nil
	}
	s, err := OpenPlayback(dev)
	if err != nil {
		return fmt.Errorf("playing tone %q: %w", plan.Name, err)
	}
	defer s.Close()
	stop := context.AfterFunc(ctx, func() { _ = s.Close() }) // unblocks Read
	defer stop()
	if ps, ok := s.(PlaySourcer); ok {
		return pullTone(ctx, ps, g, plan.Name)
	}
	var in, out [FrameSamples]int16
	for {
		if err := s.Read(in[:]); err != nil {
			if ctx.Err() != nil && errors.Is(err, ErrClosed) {
				return nil
			}
			return fmt.Errorf("playing tone %q: %w", plan.Name, err)
		}
		if ctx.Err() != nil { // no frame of a stopped tone, even while Close is on its way
			return nil
		}
		more := g.Fill(out[:])
		if err := s.Write(out[:]); err != nil {
			if ctx.Err() != nil && errors.Is(err, ErrClosed) {
				return nil
			}
			return fmt.Errorf("playing tone %q: %w", plan.Name, err)
		}
		if !more {
			return drain(s, in[:], out[:])
		}
	}
}

// drainFrames is how long a finished tone's stream stays open, writing silence, so that the
// device plays the frames still queued for it (the portaudio device keeps a cushion of 2).
const drainFrames = playbackTarget

func drain(s Stream, in, silence []int16) error {
	clear(silence)
	for range drainFrames {
		if err := s.Read(in); err != nil {
			return nil // closed (cancelled): nothing left to play out
		}
		if err := s.Write(silence); err != nil {
			return nil
		}
	}
	return nil
}

// pullTone plays g on a stream whose device pulls what it plays (PlaySourcer): the device's
// playback callback renders each frame when it mixes, so no queue between the capture clock
// and the playback clock can run dry. Reading the stream only drains what it captures.
func pullTone(ctx context.Context, s PlaySourcer, g *ToneGenerator, name string) error {
	ended := make(chan struct{})
	over := false // the playback callback's alone
	s.SetPlaySource(func(frame []int16) {
		if over || ctx.Err() != nil { // no frame of a stopped tone, even while Close is on its way
			clear(frame)
			return
		}
		if !g.Fill(frame) {
			over = true
			close(ended)
		}
	})
	var in [FrameSamples]int16
	for {
		if err := s.Read(in[:]); err != nil {
			if ctx.Err() != nil && errors.Is(err, ErrClosed) {
				return nil
			}
			return fmt.Errorf("playing tone %q: %w", name, err)
		}
		select {
		case <-ended: // its last frame is mixed: the device plays it out after Close
			return nil
		default:
		}
		if ctx.Err() != nil {
			return nil
		}
	}
}
