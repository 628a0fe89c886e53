package audio

import (
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/gordonklaus/portaudio"
)

// run is the device goroutine: one iteration per 20 ms device block. It only converts and
// copies frames between the device and the streams' rings; it allocates nothing and takes no
// lock but the rings' short ones.
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
		if d.pa == nil {
			if !d.runWithoutDevice(&l) {
				return
			}
			continue
		}
		if !d.readBlock(&l) {
			continue
		}
		d.deliver(d.captured())
		d.mixStreams(d.played)
		d.writeBlock(&l, d.played)
		d.c.frames.Add(1)
	}
}

// loopState is what the device goroutine keeps between blocks.
type loopState struct {
	consecutive int       // device errors in a row
	nextReopen  time.Time // while the device is closed after errors
	lastLog     time.Time // of the last error line
	lastXrunLog time.Time
	pacer       *pacer    // paces the streams while the device is closed
	idleSince   time.Time // when the last stream closed; zero while streams are open

}

// readBlock reads one block (see captured); false when there is nothing to deliver.
func (d *PortAudioDevice) readBlock(l *loopState) bool {
	// a good read does not clear the error count: only a good write does (writeBlock). A
	// sound server that died mid-call (PulseAudio killed) lets reads through and fails every
	// write: cleared here, the count never reached errorsBeforeReopen and the loop spun.
	err := d.pa.Read()
	switch {
	case err == nil:
	case errors.Is(err, portaudio.InputOverflowed): // samples were lost before this block; it is still good
		d.c.overflows.Add(1)
		d.logXrun(l)
	default:
		d.deviceError(l, "reading from sound device", err)
		return false
	}
	if d.inCh > 1 {
		for i := range d.mono {
			sum := 0
			for c := range d.inCh {
				sum += int(d.inBuf[i*d.inCh+c])
			}
			d.mono[i] = int16(sum / d.inCh)
		}
	}
	return true
}

// captured is the block readBlock read, at the device rate, one channel.
func (d *PortAudioDevice) captured() []int16 {
	if d.inCh == 1 {
		return d.inBuf
	}
	return d.mono
}

// writeBlock plays block (device rate, one channel) on every output channel.
func (d *PortAudioDevice) writeBlock(l *loopState, block []int16) {
	if d.outCh == 1 {
		copy(d.outBuf, block)
	} else {
		for i, v := range block {
			for c := range d.outCh {
				d.outBuf[i*d.outCh+c] = v
			}
		}
	}
	if d.outputBacklogged() {
		return
	}
	err := d.pa.Write()
	switch {
	case err == nil:
		l.consecutive = 0
		d.outputWritten()
	case errors.Is(err, portaudio.OutputUnderflowed): // a gap was played before this block
		l.consecutive = 0
		d.c.underflows.Add(1)
		d.outputUnderflowed()
		d.logXrun(l)
	default:
		d.deviceError(l, "writing to sound device", err)
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

// deviceError counts and logs a device error and closes the device after too many in a row.
func (d *PortAudioDevice) deviceError(l *loopState, what string, err error) {
	n := d.c.errors.Add(1)
	l.consecutive++
	now := time.Now()
	if n <= 5 || now.Sub(l.lastLog) >= errorLogEvery {
		l.lastLog = now
		d.log.Warn("sound device error; streams continue", "op", what, "err", err, "errors", n)
	}
	if l.consecutive >= errorsBeforeReopen {
		if cerr := d.closePA(); cerr != nil {
			d.log.Warn("closing failing sound device", "err", cerr)
		}
		d.log.Warn("sound device closed after errors; playing silence and reopening", "device", d.name)
		d.deviceLost(what, err)
		l.nextReopen = now.Add(reopenEvery)
		l.pacer.start, l.pacer.n = time.Time{}, 0
	}
}

// runWithoutDevice keeps the streams paced with silence while the device is closed after
// errors and tries to reopen it now and then. False when the device is closing.
func (d *PortAudioDevice) runWithoutDevice(l *loopState) bool {
	if err := l.pacer.wait(d.stop); err != nil {
		return false
	}
	clear(d.mono)
	d.deliver(d.mono)
	d.mixStreams(d.played) // drain the playback queues as the device would
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
	d.resetStreams()
	d.running.Store(true)
	d.deviceBack() // before the count: whoever sees Reopens has been told
	d.c.reopens.Add(1)
	l.consecutive = 0
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
	if d.pa != nil {
		if err := d.closePA(); err != nil {
			d.log.Warn("releasing idle sound device", "err", err)
		}
		d.log.Debug("sound device idle: released", "device", d.name)
	}
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
	d.resetStreams()
	d.running.Store(true)
	d.log.Debug("sound device opened for a stream", "device", d.name)
	d.deviceBack()
	return true
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

// resetStreams clears the resamplers' state after the device was (re)opened.
func (d *PortAudioDevice) resetStreams() {
	for _, c := range d.convs {
		c.reset()
	}
}

// deliver gives block (device rate, one channel) to every open stream at its rate and wakes
// its reader.
func (d *PortAudioDevice) deliver(block []int16) {
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
			queued := s.play.len()
			if queued > s.prebuffer+1 {
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
