package audio

import (
	"fmt"
	"math"
	"time"
)

// run is the device goroutine. While the device is open the callback does the work; this
// goroutine checks every watchEvery that the device still makes progress, logs its xruns,
// releases it when idle and, after a failure, paces the streams with silence and reopens it.
func (d *PortAudioDevice) run() {
	defer close(d.done)
	l := loopState{pacer: newPacer(FrameDuration)}
	defer l.pacer.stop()
	for {
		select {
		case <-d.stop:
			return
		default:
		}
		if d.idle(&l) {
			if !d.sleepIdle(&l) {
				return
			}
			continue
		}
		if !d.be.isOpen() {
			if !d.runWithoutDevice(&l) {
				return
			}
			continue
		}
		if !d.watch(&l) {
			return
		}
	}
}

const (
	// watchEvery: how often the goroutine looks at a running device.
	watchEvery = 100 * time.Millisecond
	// stallLimit: a device that delivers no block for this long has failed (PortAudio ends a
	// callback stream on a host error, such as the sound server going away, without a word).
	stallLimit = 2 * time.Second
)

// loopState is what the device goroutine keeps between checks.
type loopState struct {
	nextReopen  time.Time // while the device is closed after errors
	lastLog     time.Time // of the last error line
	lastXrunLog time.Time
	xruns       uint64    // overflows and underflows at the last look
	frames      uint64    // blocks delivered at the last look
	mixed       uint64    // blocks mixed at the last look
	progress    time.Time // when frames last moved
	pacer       *pacer    // paces the streams while the device is closed
	idleSince   time.Time // when the last stream closed; zero while streams are open
}

// watch waits watchEvery and checks the running device; false when the device is closing.
func (d *PortAudioDevice) watch(l *loopState) bool {
	select {
	case <-d.stop:
		return false
	case <-time.After(watchEvery):
	}
	now := time.Now()
	// both directions must move: either callback stopping is a failed device
	if n, m := d.c.frames.Load(), d.mixed.Load(); (n != l.frames && m != l.mixed) || l.progress.IsZero() {
		l.frames, l.mixed, l.progress = n, m, now
	}
	if x := d.c.overflows.Load() + d.c.underflows.Load(); x != l.xruns {
		l.xruns = x
		d.logXrun(l)
	}
	if err := d.be.lost(); err != nil {
		d.deviceFailed(l, err)
		return true
	}
	if now.Sub(l.progress) >= stallLimit {
		d.deviceFailed(l, fmt.Errorf("no audio for %v", now.Sub(l.progress).Round(time.Millisecond)))
		return true
	}
	if d.lad.note(d.c.underflows.Load(), now) {
		d.stepUp(l)
	}
	return true
}

// stepUp reopens the device with the ladder's next, larger buffer.
func (d *PortAudioDevice) stepUp(l *loopState) {
	d.log.Info("sound device keeps running late; reopening with a larger buffer", "device", d.name,
		"latency", d.lad.latency(), "output_underflows", d.c.underflows.Load())
	if err := d.closePA(); err != nil {
		d.log.Warn("closing sound device", "err", err)
	}
	l.progress = time.Time{}
	if err := d.openAt(d.rate, d.inCh, d.outCh); err != nil {
		d.deviceFailed(l, fmt.Errorf("reopening with a larger buffer: %w", err))
	}
}

// logXrun logs the xrun counters, at most once per errorLogEvery.
func (d *PortAudioDevice) logXrun(l *loopState) {
	now := time.Now()
	if now.Sub(l.lastXrunLog) < errorLogEvery {
		return
	}
	l.lastXrunLog = now
	d.log.Info("sound device xruns", "device", d.name,
		"input_overflows", d.c.overflows.Load(), "output_underflows", d.c.underflows.Load())
}

// deviceFailed counts and logs a device failure, closes the device and lets the goroutine
// pace the streams with silence until it reopens.
func (d *PortAudioDevice) deviceFailed(l *loopState, err error) {
	n := d.c.errors.Add(1)
	now := time.Now()
	if n <= 5 || now.Sub(l.lastLog) >= errorLogEvery {
		l.lastLog = now
		d.log.Warn("sound device failed; streams continue", "err", err, "errors", n)
	}
	if cerr := d.closePA(); cerr != nil {
		d.log.Warn("closing failing sound device", "err", cerr)
	}
	d.log.Warn("sound device closed after errors; playing silence and reopening", "device", d.name)
	d.deviceLost("it stopped", err)
	l.nextReopen = now.Add(reopenEvery)
	l.pacer.start, l.pacer.n = time.Time{}, 0
	l.progress = time.Time{}
}

// runWithoutDevice keeps the streams paced with silence while the device is closed after
// errors and tries to reopen it now and then. False when the device is closing.
func (d *PortAudioDevice) runWithoutDevice(l *loopState) bool {
	if err := l.pacer.wait(d.stop); err != nil {
		return false
	}
	d.cbMu.Lock()
	clear(d.mono)
	d.deliver(d.mono)
	d.cbMu.Unlock()
	d.playMu.Lock()
	d.mixStreams(d.played) // play the streams into nothing, as the device would
	d.playMu.Unlock()
	d.c.frames.Add(1)
	if time.Now().Before(l.nextReopen) {
		return true
	}
	l.nextReopen = time.Now().Add(reopenEvery)
	if err := d.openAt(d.rate, d.inCh, d.outCh); err != nil {
		d.c.errors.Add(1)
		d.log.Debug("reopening sound device", "device", d.name, "err", err)
		return true
	}
	d.running.Store(true)
	d.deviceBack() // before the count: whoever sees Reopens has been told
	d.c.reopens.Add(1)
	l.progress = time.Time{}
	d.log.Info("sound device reopened", "device", d.name)
	return true
}

// idle reports whether no stream has been open for d.idleAfter.
func (d *PortAudioDevice) idle(l *loopState) bool {
	if p := d.streams.Load(); p != nil && len(*p) > 0 {
		l.idleSince = time.Time{}
		return false
	}
	if l.idleSince.IsZero() {
		l.idleSince = time.Now()
	}
	return time.Since(l.idleSince) >= d.idleAfter
}

// sleepIdle releases the device (microphone off, no wake-ups) until a stream opens, then
// opens it again. False when the device is closing.
func (d *PortAudioDevice) sleepIdle(l *loopState) bool {
	if d.be.isOpen() {
		if err := d.closePA(); err != nil {
			d.log.Warn("releasing idle sound device", "err", err)
		}
		d.log.Debug("sound device idle: released", "device", d.name)
	}
	d.lad.released(time.Now())
	d.running.Store(false)
	select {
	case <-d.wake: // a stale signal from an Open while running
	default:
	}
	if p := d.streams.Load(); p == nil || len(*p) == 0 { // Open stores its stream before it signals
		select {
		case <-d.wake:
		case <-d.stop:
			return false
		}
	}
	l.idleSince = time.Time{}
	if err := d.openAt(d.rate, d.inCh, d.outCh); err != nil {
		d.c.errors.Add(1)
		d.log.Warn("opening sound device for a stream; playing silence and retrying", "device", d.name, "err", err)
		d.deviceLost("opening it", err)
		l.nextReopen = time.Now().Add(reopenEvery)
		l.pacer.start, l.pacer.n = time.Time{}, 0
		return true
	}
	l.progress = time.Time{}
	d.running.Store(true)
	d.log.Debug("sound device opened for a stream", "device", d.name)
	d.deviceBack()
	return true
}

// resetStreams clears the resamplers' state before the device is (re)started.
func (d *PortAudioDevice) resetStreams() {
	for _, c := range d.convs {
		c.reset()
	}
}

// deliver gives block (device rate, one channel) to every open stream at its rate and wakes
// its reader.
func (d *PortAudioDevice) deliver(block []int16) {
	for _, c := range d.convs {
		c.next()
	}
	p := d.streams.Load()
	if p == nil {
		return
	}
	for _, s := range *p {
		if s.capture.push(s.conv.captured(block)) {
			d.c.captureDrops.Add(1)
		}
		select {
		case s.notify <- struct{}{}:
		default: // already signalled
		}
	}
}

// mixStreams sums one queued frame of every stream, at the device rate, into out, clipped.
func (d *PortAudioDevice) mixStreams(out []int16) {
	clear(d.mix)
	if p := d.streams.Load(); p != nil {
		for _, s := range *p {
			if d.pulled(s) {
				continue
			}
			queued := s.play.len()
			if queued > s.prebuffer+playbackBurst {
				s.play.drop()
				d.c.playbackDrops.Add(1)
			}
			if !s.primed { // start (and restart after a gap) with a cushion against device bursts
				if queued < s.prebuffer {
					continue
				}
				s.primed = true
			}
			if !s.play.pop(s.out) {
				s.primed = false
				d.c.playbackGaps.Add(1)
				s.prebuffer, s.calm = min(s.prebuffer+1, playbackPrebufferMax), 0
				continue
			}
			if s.calm++; s.calm >= prebufferCalmFrames && s.prebuffer > playbackPrebufferMin {
				s.prebuffer, s.calm = s.prebuffer-1, 0
			}
			s.conv.add(s.out, d.mix)
		}
	}
	for _, c := range d.convs {
		c.flush(d.mix)
	}
	for i, v := range d.mix {
		out[i] = int16(max(math.MinInt16, min(math.MaxInt16, v)))
	}
}

// deviceLost tells the phone once that the device is gone and the calls go on without it.
func (d *PortAudioDevice) deviceLost(what string, err error) {
	if d.lost {
		return
	}
	d.lost = true
	if e := err.Error(); e != "" { // PortAudio's host errors can have no text
		what += ": " + e
	}
	d.notify("warn", fmt.Sprintf("sound device lost (%s): calls go on with silence; reopening it every %v", what, reopenEvery))
}

// deviceBack tells the phone that a lost device works again.
func (d *PortAudioDevice) deviceBack() {
	if !d.lost {
		return
	}
	d.lost = false
	d.notify("info", "sound device back: "+d.name)
}
