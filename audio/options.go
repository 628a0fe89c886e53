package audio

import (
	"fmt"
	"log/slog"
	"time"
)

// Kind names a device type, as in the --audio flag and the config's audio key.
type Kind string

// The device kinds. An empty Kind means KindPortAudio.
const (
	KindPortAudio Kind = "portaudio"
	KindNull      Kind = "null"
	KindFile      Kind = "file"
)

// ParseKind checks a device kind from a flag or the config; empty means portaudio.
func ParseKind(s string) (Kind, error) {
	switch k := Kind(s); k {
	case "":
		return KindPortAudio, nil
	case KindPortAudio, KindPulse, KindNull, KindFile:
		return k, nil
	default:
		return "", fmt.Errorf("unknown audio kind %q (want portaudio, pulse, null or file)", s)
	}
}

// String is the kind's name.
func (k Kind) String() string { return string(k) }

// Options choose and configure a device.
type Options struct {
	// Kind is the device type; empty means portaudio.
	Kind Kind
	// DeviceName picks a portaudio device (pulse: a sink and a source, see NewPulseDevice) by case-insensitive substring of its name (see
	// ListDevices); empty means the system's default input and output devices.
	DeviceName string
	// DeviceRate forces the portaudio device's sample rate; 0 tries 48000, 44100, 16000, 8000.
	DeviceRate int
	// PlayFile is the file device's WAV played as captured audio (looped); empty: silence.
	PlayFile string
	// RecordFile is where the file device records what is played; empty: nothing is recorded.
	RecordFile string
	// CaptureStderr makes portaudio's initialisation run with file descriptor 2 redirected into
	// a pipe whose text goes to Logger. Off by default: the libraries' error handlers are
	// already silenced, and the redirection is process-wide.
	CaptureStderr bool
	// Logger receives the device's log lines; nil discards them.
	Logger *slog.Logger

	idleAfter time.Duration // tests: how soon an unused portaudio device is released
}

// Open opens the device opts describe.
func Open(opts Options) (Device, error) {
	switch opts.Kind {
	case KindPortAudio, "":
		d, err := NewPortAudioDevice(opts)
		if err != nil { // not a typed nil inside a non-nil Device
			return nil, err
		}
		return d, nil
	case KindPulse:
		d, err := NewPulseDevice(opts)
		if err != nil {
			return nil, err
		}
		return d, nil
	case KindNull:
		return NewNullDevice(), nil
	case KindFile:
		return NewFileDevice(opts.PlayFile, opts.RecordFile, opts.Logger)
	default:
		return nil, fmt.Errorf("opening audio: unknown kind %q (want portaudio, pulse, null or file)", opts.Kind)
	}
}

// OpenOrFallback opens the device opts describe and, when that fails, returns the null device
// and a notice to show the user, e.g. "no sound device: using null audio (no default input
// device)". The notice is empty when the requested device opened. A file device that cannot
// be opened also falls back; callers that would rather stop on a bad --play or --record file
// use Open.
func OpenOrFallback(opts Options) (Device, string) {
	d, err := Open(opts)
	if err == nil {
		return d, ""
	}
	notice := fmt.Sprintf("no sound device: using null audio (%v)", err)
	if opts.Kind == KindFile {
		notice = fmt.Sprintf("audio files unusable: using null audio (%v)", err)
	}
	orDiscard(opts.Logger).Warn(notice)
	return NewNullDevice(), notice
}
