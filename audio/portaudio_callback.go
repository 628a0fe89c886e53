package audio

import "github.com/gordonklaus/portaudio"

// The device runs two callback streams, one capturing and one playing: PortAudio's own audio
// threads call captureCB with a few milliseconds of capture and playCB for as much playback.
// A blocking duplex stream left the device's buffers to a Go loop that read a block and wrote
// one; every scheduling stall of that loop either played a gap or left a backlog in the
// buffers for the rest of the stream (see docs/audio-delay.md). A duplex callback stream has
// the same flaw: it moves as many frames in as out, so capture that piled up during a stall
// (the output buffer being full) stays piled up, measured at 500-900 ms through the ALSA
// PulseAudio plugin. Apart, the capture callback takes whatever has arrived at once, and the
// playback callback mixes a block when the device has played the previous one: no backlog
// on either side, and an underflow (the callback itself ran late) plays silence, counted.
//
// Capture is gathered into 20 ms blocks, each delivered to the streams as it completes. A
// call's playback is pulled when a block is mixed (PlaySourcer, playsource.go): the two
// callbacks' threads stall independently, so a queue filled by one and drained by the other
// would run dry and overfill in turn. A stream without a play source still has its Writes
// queued, with the cushion and burst below.

// playbackBurst: frames a stream's playback queue may hold beyond its prebuffer before the
// oldest is dropped. Capture and playback run on two threads that stall independently, so a
// call's writes (one per captured block) and the mix drift apart by a frame now and then; two
// keep that from costing a dropped frame each time (measured: 38 drops in 3 s through the
// PulseAudio plugin on a loaded box with one, TestPortAudioMixesStreams).
const playbackBurst = 2

// callbackQuarters: the callbacks' buffer is a quarter block, 5 ms. Small enough that a block
// is delivered and mixed close to when it is due, large enough that the callback's fixed cost
// (a cgo call and a reflect call, a few µs) stays negligible.
const callbackQuarters = 4

// captureCB is the capture stream's callback. It takes no lock but cbMu (shared with the
// device goroutine, which touches the same state only while the streams are stopped) and the
// rings' short ones, and allocates nothing. playCB is the same with playMu, and a call's own
// lock in its play source.
func (d *PortAudioDevice) captureCB(in []int16, _ portaudio.StreamCallbackTimeInfo, flags portaudio.StreamCallbackFlags) {
	d.cbMu.Lock()
	defer d.cbMu.Unlock()
	if !d.raisedIn {
		d.raisedIn = true
		raiseThreadPriority()
	}
	if flags&portaudio.InputOverflow != 0 {
		d.c.overflows.Add(1)
	}
	block := d.block()
	n := len(in) / d.inCh
	for i := 0; i < n; {
		k := min(n-i, block-d.inFill)
		d.gather(in[i*d.inCh:(i+k)*d.inCh], d.mono[d.inFill:d.inFill+k])
		i, d.inFill = i+k, d.inFill+k
		if d.inFill == block {
			d.deliver(d.mono)
			d.inFill = 0
			d.c.frames.Add(1)
		}
	}
}

// playCB is the playback stream's callback.
func (d *PortAudioDevice) playCB(out []int16, _ portaudio.StreamCallbackTimeInfo, flags portaudio.StreamCallbackFlags) {
	d.playMu.Lock()
	defer d.playMu.Unlock()
	if !d.raisedOut {
		d.raisedOut = true
		raiseThreadPriority()
	}
	if flags&portaudio.OutputUnderflow != 0 {
		d.c.underflows.Add(1)
	}
	block := d.block()
	n := len(out) / d.outCh
	for i := 0; i < n; {
		if d.outPos == block {
			d.mixStreams(d.played)
			d.outPos = 0
			d.mixed.Add(1)
		}
		k := min(n-i, block-d.outPos)
		d.spread(d.played[d.outPos:d.outPos+k], out[i*d.outCh:(i+k)*d.outCh])
		i, d.outPos = i+k, d.outPos+k
	}
}

// gather copies captured frames (interleaved, d.inCh channels) into mono, averaging channels.
func (d *PortAudioDevice) gather(in, mono []int16) {
	if d.inCh == 1 {
		copy(mono, in)
		return
	}
	for i := range mono {
		sum := 0
		for c := range d.inCh {
			sum += int(in[i*d.inCh+c])
		}
		mono[i] = int16(sum / d.inCh)
	}
}

// spread copies mono playback onto every output channel of out (interleaved).
func (d *PortAudioDevice) spread(mono, out []int16) {
	if d.outCh == 1 {
		copy(out, mono)
		return
	}
	for i, v := range mono {
		for c := range d.outCh {
			out[i*d.outCh+c] = v
		}
	}
}

// resetCallbacks starts the block positions over for streams about to start: the first
// playback callback mixes at once.
func (d *PortAudioDevice) resetCallbacks() {
	d.inFill, d.outPos = 0, d.block()
	d.raisedIn, d.raisedOut = false, false
	d.resetStreams()
}

// block is one 20 ms block in device frames.
func (d *PortAudioDevice) block() int { return d.rate / 50 }

// lockCallbacks takes both callbacks' locks (capture first), for the device goroutine.
func (d *PortAudioDevice) lockCallbacks() {
	d.cbMu.Lock()
	d.playMu.Lock()
}

func (d *PortAudioDevice) unlockCallbacks() {
	d.playMu.Unlock()
	d.cbMu.Unlock()
}
