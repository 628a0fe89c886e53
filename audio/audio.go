// Package audio is sipterm's sound: devices that deliver and take 16-bit mono PCM frames at 8 kHz.
// It knows nothing of SIP or RTP.
package audio

import "time"

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
