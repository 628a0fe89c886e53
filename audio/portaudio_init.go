package audio

import (
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"github.com/gordonklaus/portaudio"
)

// PortAudio's Initialize/Terminate are process-wide and the Go binding's counter is not safe
// for concurrent use: every user here goes through paAcquire/paRelease.
var (
	paMu   sync.Mutex
	paRefs int
)

// paAcquire initialises PortAudio for one user, with the native libraries' stderr chatter
// silenced first (and, with captureStderr, whatever still reaches fd 2 sent to log).
func paAcquire(log *slog.Logger, captureStderr bool) error {
	paMu.Lock()
	defer paMu.Unlock()
	if paRefs == 0 {
		quietNativeLogs()
		var err error
		if captureStderr {
			err = withStderrLogged(log, portaudio.Initialize)
		} else {
			err = portaudio.Initialize()
		}
		if err != nil {
			return fmt.Errorf("initialising PortAudio: %w", err)
		}
		burnIDsOnce.Do(burnStreamIDs)
	}
	paRefs++
	return nil
}

var burnIDsOnce sync.Once

// burnStreamIDs works around the Go binding passing its stream ids (0, 1, 2, ...) to C as
// pointers: under the race detector (checkptr) any id from 1 to 4095 is a "bad pointer" and
// crashes the process on the second OpenStream. A call that fails argument checking still
// takes an id, so taking 4096 of them once makes every real id a legal value.
func burnStreamIDs() {
	for range 4096 {
		_, _ = portaudio.OpenStream(portaudio.StreamParameters{}) // "too few args": no C call
	}
}

// paRelease undoes one paAcquire; the last one terminates PortAudio.
func paRelease() error {
	paMu.Lock()
	defer paMu.Unlock()
	if paRefs == 0 {
		return nil
	}
	paRefs--
	if paRefs == 0 {
		if err := portaudio.Terminate(); err != nil {
			return fmt.Errorf("terminating PortAudio: %w", err)
		}
	}
	return nil
}

// DeviceInfo describes one PortAudio device, for --audio-device and the config.
type DeviceInfo struct {
	Name          string
	HostAPI       string
	Inputs        int     // input channels; 0: cannot capture
	Outputs       int     // output channels; 0: cannot play
	DefaultRate   float64 // Hz
	DefaultInput  bool    // the system's default input device
	DefaultOutput bool    // the system's default output device
}

// ListDevices lists the sound devices PortAudio sees.
func ListDevices() ([]DeviceInfo, error) {
	if err := paAcquire(slog.New(slog.DiscardHandler), false); err != nil {
		return nil, err
	}
	defer paRelease()
	devs, err := portaudio.Devices()
	if err != nil {
		return nil, fmt.Errorf("listing sound devices: %w", err)
	}
	defIn, _ := portaudio.DefaultInputDevice()
	defOut, _ := portaudio.DefaultOutputDevice()
	out := make([]DeviceInfo, 0, len(devs))
	for _, d := range devs {
		info := DeviceInfo{
			Name:          d.Name,
			Inputs:        d.MaxInputChannels,
			Outputs:       d.MaxOutputChannels,
			DefaultRate:   d.DefaultSampleRate,
			DefaultInput:  d == defIn,
			DefaultOutput: d == defOut,
		}
		if d.HostApi != nil {
			info.HostAPI = d.HostApi.Name
		}
		out = append(out, info)
	}
	return out, nil
}

// pickDevices finds the input and output devices: the defaults, or by case-insensitive
// substring of the name. A named device that lacks a direction uses the default for it.
// PortAudio must be initialised.
func pickDevices(name string) (in, out *portaudio.DeviceInfo, err error) {
	devs, err := portaudio.Devices()
	if err != nil {
		return nil, nil, fmt.Errorf("listing sound devices: %w", err)
	}
	if len(devs) == 0 {
		return nil, nil, fmt.Errorf("%w: PortAudio found 0 devices", ErrNoDevice)
	}
	if name != "" {
		want := strings.ToLower(name)
		for _, d := range devs {
			if !strings.Contains(strings.ToLower(d.Name), want) {
				continue
			}
			if in == nil && d.MaxInputChannels > 0 {
				in = d
			}
			if out == nil && d.MaxOutputChannels > 0 {
				out = d
			}
		}
		if in == nil && out == nil {
			return nil, nil, fmt.Errorf("%w: no device named like %q", ErrNoDevice, name)
		}
	}
	if in == nil {
		if in, err = portaudio.DefaultInputDevice(); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrNoDevice, err)
		}
	}
	if out == nil {
		if out, err = portaudio.DefaultOutputDevice(); err != nil {
			return nil, nil, fmt.Errorf("%w: %w", ErrNoDevice, err)
		}
	}
	return in, out, nil
}
