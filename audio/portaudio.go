package audio

import (
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// deviceRates are tried in order when Options.DeviceRate is 0. 48 kHz comes first although
// 8 kHz would need no conversion: through ALSA's PulseAudio plugin (the usual desktop path) a
// duplex blocking stream at 8 kHz reported an output underflow on every write and played with
// gaps, while 48 kHz played clean (measured in the lab, see TestPortAudioPlayback). Cards
// commonly run at 48 or 44.1 kHz natively, and the resampler costs microseconds per frame.
var deviceRates = []int{48000, 44100, 16000, 8000}

const (
	// captureRingFrames bounds how far a stream's reader may lag (160 ms) before its oldest
	// frames are dropped; a stream nobody reads costs no more.
	captureRingFrames = 8
	// playbackRingFrames bounds what a stream may write ahead of the device (120 ms).
	playbackRingFrames = 6
	// A stream's playback queue must hold its prebuffer (playbackPrebufferMin frames at first)
	// before it is mixed, at its start and after each gap: when the device delivers two blocks
	// back to back (a scheduling stall), the stream's writes lag by one and the cushion keeps
	// that from becoming an audible gap. Each gap raises that stream's prebuffer a frame (up
	// to playbackPrebufferMax); prebufferCalmFrames mixed without a gap lower it a frame, so a
	// device that keeps up plays with one frame queued.
	playbackPrebufferMin = 1
	playbackPrebufferMax = 3
	prebufferCalmFrames  = 250 // 5 s
	// playbackTarget: the most frames a stream's queue holds at the largest prebuffer; more
	// queued than its prebuffer and playbackBurst are dropped, one per device frame, so a
	// burst of writes does not add delay for the rest of the call.
	playbackTarget = playbackPrebufferMax + playbackBurst
	// A failed device is reopened every reopenEvery while the streams go on with silence
	// paced by a timer.
	reopenEvery = time.Second
	// idleRelease: the device is released this long after its last stream closed, so the
	// microphone is not held open (and the machine not woken 50 times a second) between calls,
	// while a call that follows its ringback tone finds it still open.
	idleRelease = 3 * time.Second
	// errorLogEvery limits device error log lines to one per this period after the first few.
	errorLogEvery = 10 * time.Second
)

// PortAudioDevice is one duplex sound device shared by all calls. PortAudio's callback
// (portaudio_callback.go) hands every 20 ms block captured to every open stream converted to
// that stream's rate (so each Read is paced by the device's clock), and mixes one frame from
// every stream's playback queue at the device's rate when the device needs it. Its goroutine
// opens, watches, releases and reopens the device. A stream at the device's rate (Opus
// at 48 kHz) is not resampled at all; a narrower one once each way. Xruns and errors are counted (Stats) and logged; they
// never end a stream.
type PortAudioDevice struct {
	log         *slog.Logger
	name        string
	rate        int // device sample rate
	inCh, outCh int

	// Owned by the device goroutine once running (and by Open/Close before and after it):
	// the sound system's capture and playback streams (PortAudio's or PulseAudio's).
	be backend
	// cbMu: the capture callback holds it while it runs, playMu the playback callback; the
	// device goroutine takes both (lockCallbacks) while it touches the state below with the
	// streams stopped (the backend's own thread join is invisible to Go). Two locks, so that the
	// playback callback waiting for a call's lock (its play source) never holds up capture.
	cbMu   sync.Mutex
	playMu sync.Mutex
	inFill int           // captured frames gathered in mono so far
	outPos int           // frames of played already given to the device
	mixed  atomic.Uint64 // blocks mixed (playback's progress, for the watchdog)
	// the callbacks' threads have asked for their priority
	raisedIn, raisedOut bool
	lad                 ladder            // device goroutine only: the buffer size the machine keeps up with
	mono                []int16           // one captured block at the device rate, one channel
	played              []int16           // one mixed block at the device rate, one channel
	mix                 []int32           // the mix of one block
	convs               map[int]*rateConv // by stream rate; fixed once the device has opened
	// what converting an 8 kHz stream to and from the device rate adds (for Latency)
	downDelay, upDelay time.Duration

	idleAfter time.Duration // release the device this long after the last stream closed
	running   atomic.Bool
	wake      chan struct{} // capacity 1: Open tells an idle device goroutine to open the device

	streams atomic.Pointer[[]*paStream] // copy-on-write: the device goroutine never locks for it
	mu      sync.Mutex                  // serialises changes to streams and closing
	closed  bool
	stop    chan struct{}
	done    chan struct{}

	latIn, latOut atomic.Int64 // time.Duration
	c             paCounters

	notifier // tells the phone when the device is lost and back (notify.go)
	// device goroutine only: the device was lost (closed after errors, or could not be opened
	// for a stream) and no "back" notice has been given yet
	lost bool
}

type paCounters struct {
	frames, overflows, underflows, errors, reopens atomic.Uint64
	captureDrops, playbackDrops, playbackGaps      atomic.Uint64
	latencyTrims                                   atomic.Uint64
}

var (
	_ Device     = (*PortAudioDevice)(nil)
	_ Reporter   = (*PortAudioDevice)(nil)
	_ RateOpener = (*PortAudioDevice)(nil)
	_ Notifier   = (*PortAudioDevice)(nil)
)

// NewPortAudioDevice opens the sound device opts names (or the defaults) for capture and
// playback and starts its goroutine. It fails with an error wrapping ErrNoDevice when there is
// no such device.
func NewPortAudioDevice(opts Options) (*PortAudioDevice, error) {
	log := orDiscard(opts.Logger)
	if err := paAcquire(log, opts.CaptureStderr); err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDevice, err)
	}
	in, out, err := pickDevices(opts.DeviceName)
	if err != nil {
		_ = paRelease()
		return nil, err
	}
	d := newSoundDevice(log, opts)
	d.be = &paBackend{d: d, inDev: in, outDev: out}
	d.name = "portaudio: " + in.Name
	if out.Name != in.Name {
		d.name += " / " + out.Name
	}
	rates := deviceRates
	if opts.DeviceRate > 0 {
		rates = []int{opts.DeviceRate}
	}
	if err := d.openFirst(rates); err != nil {
		_ = paRelease()
		return nil, err
	}
	d.start()
	return d, nil
}

// newSoundDevice is a device without its backend, not yet open.
func newSoundDevice(log *slog.Logger, opts Options) *PortAudioDevice {
	d := &PortAudioDevice{log: log, idleAfter: opts.idleAfter,
		wake: make(chan struct{}, 1), stop: make(chan struct{}), done: make(chan struct{})}
	if d.idleAfter <= 0 {
		d.idleAfter = idleRelease
	}
	return d
}

// start logs the opened device and starts its goroutine.
func (d *PortAudioDevice) start() {
	d.log.Info("sound device opened", "device", d.name, "rate", d.rate, "in_channels", d.inCh,
		"out_channels", d.outCh, "latency_in", d.Latency().Input, "latency_out", d.Latency().Output)
	d.running.Store(true)
	go d.run()
}

// openFirst opens the device at the first rate and channel layout it accepts and sets up the
// buffers and resamplers for it.
func (d *PortAudioDevice) openFirst(rates []int) error {
	var errs []error
	for _, rate := range rates {
		for _, ch := range [][2]int{{1, 1}, {1, 2}, {2, 2}} {
			if !d.be.fits(ch[0], ch[1]) {
				continue
			}
			err := d.openAt(rate, ch[0], ch[1])
			if err == nil {
				return nil
			}
			errs = append(errs, fmt.Errorf("%d Hz, %d/%d channels: %w", rate, ch[0], ch[1], err))
		}
	}
	return fmt.Errorf("%w: opening %s: %w", ErrNoDevice, d.name, errors.Join(errs...))
}

// openAt opens and starts the PortAudio stream with blocks of 20 ms.
func (d *PortAudioDevice) openAt(rate, inCh, outCh int) error {
	block := rate / 50
	if block*50 != rate {
		return fmt.Errorf("rate %d Hz has no whole 20 ms block", rate)
	}
	if d.rate != rate || d.inCh != inCh || d.outCh != outCh {
		down, err := NewResampler(rate, SampleRate)
		if err != nil {
			return err
		}
		up, err := NewResampler(SampleRate, rate)
		if err != nil {
			return err
		}
		d.lockCallbacks()
		d.downDelay, d.upDelay = down.Delay(), up.Delay()
		err = d.setBuffers(rate)
		d.rate, d.inCh, d.outCh = rate, inCh, outCh
		d.unlockCallbacks()
		if err != nil {
			return err
		}
	}
	d.lockCallbacks() // the backend's streams are closed: no callback runs
	d.resetCallbacks()
	d.unlockCallbacks()
	lat, err := d.be.open(rate, inCh, outCh, d.lad.latency())
	if err != nil {
		return err
	}
	d.latIn.Store(int64(lat.Input + d.downDelay))
	// A mixed block is handed to the device over the next 20 ms, half a block on average (a
	// pulled stream's frame is made at mix time; a written one also waits in its queue).
	d.latOut.Store(int64(lat.Output + d.upDelay + FrameDuration/2))
	return nil
}

// setBuffers sets up the mix and the conversions for a device at rate.
func (d *PortAudioDevice) setBuffers(rate int) error {
	convs, err := newRateConvs(rate)
	if err != nil {
		return err
	}
	block := rate / 50
	d.convs, d.rate = convs, rate
	d.mono, d.played, d.mix = make([]int16, block), make([]int16, block), make([]int32, block)
	return nil
}

// closePA stops and closes the sound system's streams, if open.
func (d *PortAudioDevice) closePA() error {
	if err := d.be.close(); err != nil {
		return fmt.Errorf("closing %s: %w", d.name, err)
	}
	return nil
}

// Running reports whether the device is open: it is released while no stream has been open
// for a few seconds, and opened again by the next Open.
func (d *PortAudioDevice) Running() bool { return d.running.Load() }

// Name is "portaudio: " and the device name(s).
func (d *PortAudioDevice) Name() string { return d.name }

// Rate is the sample rate the device runs at.
func (d *PortAudioDevice) Rate() int { return d.rate }

// Latency is PortAudio's reported input and output latency plus the playback queue's delay
// and, for an 8 kHz stream, the resamplers' (a stream at the device's rate has none).
func (d *PortAudioDevice) Latency() Latency {
	return Latency{Input: time.Duration(d.latIn.Load()), Output: time.Duration(d.latOut.Load())}
}

// Stats are the device's counters since it was opened.
func (d *PortAudioDevice) Stats() Stats {
	return Stats{
		Frames:           d.c.frames.Load(),
		InputOverflows:   d.c.overflows.Load(),
		OutputUnderflows: d.c.underflows.Load(),
		Errors:           d.c.errors.Load(),
		Reopens:          d.c.reopens.Load(),
		CaptureDrops:     d.c.captureDrops.Load(),
		PlaybackDrops:    d.c.playbackDrops.Load(),
		PlaybackGaps:     d.c.playbackGaps.Load(),
		LatencyTrims:     d.c.latencyTrims.Load(),
	}
}

// Close stops the device goroutine, ends every stream, closes the device and, with the last
// user, terminates PortAudio.
func (d *PortAudioDevice) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	close(d.stop)
	d.mu.Unlock()
	<-d.done
	var list []*paStream
	if p := d.streams.Load(); p != nil {
		list = *p
	}
	for _, s := range list {
		_ = s.Close()
	}
	err := d.closePA()
	if rerr := d.be.release(); err == nil {
		err = rerr
	}
	d.log.Info("sound device closed", "device", d.name, "stats", d.Stats())
	return err
}
