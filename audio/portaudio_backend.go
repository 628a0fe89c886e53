package audio

import (
	"errors"
	"fmt"
	"time"

	"github.com/gordonklaus/portaudio"
)

// paBackend reaches the sound card through PortAudio: two callback streams, one capturing
// and one playing (see portaudio_callback.go for why two).
type paBackend struct {
	d             *PortAudioDevice
	inDev, outDev *portaudio.DeviceInfo
	in, out       *portaudio.Stream // open together, closed together
}

var _ backend = (*paBackend)(nil)

func (b *paBackend) fits(inCh, outCh int) bool {
	return inCh <= b.inDev.MaxInputChannels && outCh <= b.outDev.MaxOutputChannels
}

func (b *paBackend) isOpen() bool { return b.in != nil }

// lost: PortAudio ends a callback stream on a host error without a word; the watchdog finds it.
func (b *paBackend) lost() error { return nil }

// open opens and starts both streams with callbacks of a quarter block.
func (b *paBackend) open(rate, inCh, outCh int, lat time.Duration) (Latency, error) {
	block := rate / 50
	in := portaudio.StreamParameters{SampleRate: float64(rate), FramesPerBuffer: block / callbackQuarters,
		Input: portaudio.StreamDeviceParameters{Device: b.inDev, Channels: inCh, Latency: lat}}
	out := portaudio.StreamParameters{SampleRate: float64(rate), FramesPerBuffer: block / callbackQuarters,
		Output: portaudio.StreamDeviceParameters{Device: b.outDev, Channels: outCh, Latency: lat}}
	capture, err := portaudio.OpenStream(in, b.d.captureCB)
	if err != nil {
		return Latency{}, fmt.Errorf("opening capture: %w", err)
	}
	play, err := portaudio.OpenStream(out, b.d.playCB)
	if err != nil {
		_ = capture.Close()
		return Latency{}, fmt.Errorf("opening playback: %w", err)
	}
	b.in, b.out = capture, play
	if err := play.Start(); err != nil {
		_ = b.close()
		return Latency{}, fmt.Errorf("starting playback: %w", err)
	}
	if err := capture.Start(); err != nil {
		_ = b.close()
		return Latency{}, fmt.Errorf("starting capture: %w", err)
	}
	var l Latency
	if info := capture.Info(); info != nil {
		l.Input = info.InputLatency
	}
	if info := play.Info(); info != nil {
		l.Output = info.OutputLatency
	}
	return l, nil
}

// close aborts and closes the streams; PortAudio joins its callback threads.
func (b *paBackend) close() error {
	var errs []error
	for _, s := range []**portaudio.Stream{&b.in, &b.out} {
		if *s == nil {
			continue
		}
		if err := (*s).Abort(); err != nil {
			errs = append(errs, err)
		}
		if err := (*s).Close(); err != nil {
			errs = append(errs, err)
		}
		*s = nil
	}
	return errors.Join(errs...)
}

func (b *paBackend) release() error { return paRelease() }

// paNoTime: the callbacks ignore their time info; other backends pass this.
var paNoTime portaudio.StreamCallbackTimeInfo
