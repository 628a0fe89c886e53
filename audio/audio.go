package audio

import (
	"errors"
	"fmt"
	"time"
)

const (
	// SampleRate is the rate of every frame crossing this package's API.
	SampleRate = 8000
	// FrameSamples is one 20 ms frame at SampleRate.
	FrameSamples = 160
	// FrameDuration is the length of one frame.
	FrameDuration = 20 * time.Millisecond
)

// Device is a sound device. Each call that uses it opens its own Stream; the device mixes
// what the streams play and gives every stream what it captures.
type Device interface {
	// Name says which device this is ("null", "file: tone.wav", "portaudio: pulse").
	Name() string
	// Open gives one call its stream on the device.
	Open() (Stream, error)
	// Close releases the device; streams still open stop.
	Close() error
}

// Stream is one call's view of a Device.
type Stream interface {
	// Read fills frame (FrameSamples long) with the next captured audio. It blocks until the
	// frame is due, so it is the clock that paces a call's media.
	Read(frame []int16) error
	// Write plays one frame (FrameSamples long). It does not block for long.
	Write(frame []int16) error
	// Close ends the stream; a blocked Read returns an error.
	Close() error
}

// Reporter is implemented by every device of this package: the media layer uses it to report
// the delay the device adds and how healthy it is.
type Reporter interface {
	// Latency is the delay the device adds in each direction.
	Latency() Latency
	// Stats are the device's counters since it was opened.
	Stats() Stats
}

// Latency is the delay a device adds: Input from the microphone to Stream.Read, Output from
// Stream.Write to the speaker. Both include resampling and buffering in this package.
type Latency struct {
	Input, Output time.Duration
}

// Stats counts what happened on a device since it was opened. A field a device has no use
// for stays zero.
type Stats struct {
	// Frames is the number of 20 ms frames the device clock has produced.
	Frames uint64
	// InputOverflows and OutputUnderflows are xruns the sound system reported.
	InputOverflows, OutputUnderflows uint64
	// Errors are other device errors (read, write, reopen failures); the streams kept going.
	Errors uint64
	// Reopens is how often the device was closed and opened again after errors.
	Reopens uint64
	// CaptureDrops are captured frames dropped because a stream did not read them in time.
	CaptureDrops uint64
	// PlaybackDrops are written frames dropped because a stream wrote faster than the device played.
	PlaybackDrops uint64
	// PlaybackGaps are device frames for which an open stream had nothing to play.
	PlaybackGaps uint64
	// LateFrames are frames a paced stream delivered late (it then caught up without waiting).
	LateFrames uint64
	// Resyncs are times a paced stream was so late that it restarted its clock instead of catching up.
	Resyncs uint64
	// LatencyTrims are device blocks skipped (a captured block read past, an output block not
	// written) to bring a backlog in the device's own buffers back down after a stall. The
	// PortAudio device's callback stream keeps no such backlog: 0 there.
	LatencyTrims uint64
}

var (
	// ErrClosed is returned by Read and Write on a stream (or device) that was closed.
	ErrClosed = errors.New("audio stream closed")
	// ErrFrameSize is returned by Read and Write when a frame is not FrameSamples long.
	ErrFrameSize = errors.New("audio frame is not 160 samples")
	// ErrNoDevice means no usable sound device was found.
	ErrNoDevice = errors.New("no sound device")
)

// checkFrame is the check every Stream's Read and Write start with: a frame of FrameSamples,
// on a stream that is not closed (done closed). op is "reading" or "writing".
func checkFrame(op string, frame []int16, done <-chan struct{}) error {
	if len(frame) != FrameSamples {
		return fmt.Errorf("%s audio: %w (got %d)", op, ErrFrameSize, len(frame))
	}
	select {
	case <-done:
		return ErrClosed
	default:
		return nil
	}
}
