package audio

// The device loop reads a block (which blocks until the device has captured one) and then
// writes one. Once a stall (a starved process, a burst of scheduling) has let blocks pile up
// in the device's input buffer, each read returns at once and each write waits for room: the
// loop follows the device clock again but with the backlog kept for the rest of the stream,
// in the output buffer, up to all of it (60 ms through the ALSA PulseAudio plugin, measured
// with the acoustic delay benchmark). So a block is left unwritten while outputQueued blocks
// are already queued: the loop then catches up with the input at once, and the trim costs 20
// ms of sound once instead of adding 20 ms of delay to the rest of the call. The block is
// still mixed, so every stream's playback keeps in step with its capture (the jitter buffer
// is drained once per captured frame; dropping a captured block instead would make it grow).
// An output underflow (the loop was late by more than what was queued) allows one block more,
// up to the whole buffer; outputCalmFrames written without one allow one less again, so a
// machine that keeps up plays with outputQueued blocks queued and a loaded one with more.
const (
	outputQueued     = 2   // blocks queued ahead in the output buffer, at least
	outputCalmFrames = 250 // 5 s
)

// outputUnderflowed widens the output backlog allowed after an underflow.
func (d *PortAudioDevice) outputUnderflowed() {
	d.outCalm = 0
	if d.outAllow < d.outSize/d.block() {
		d.outAllow++
	}
}

// outputWritten narrows it again after outputCalmFrames blocks without an underflow.
func (d *PortAudioDevice) outputWritten() {
	if d.outCalm++; d.outCalm >= outputCalmFrames && d.outAllow > outputQueued {
		d.outAllow, d.outCalm = d.outAllow-1, 0
	}
}

// noteOutputSize records the output buffer's size: all of it is writable right after Start,
// before anything was written.
func (d *PortAudioDevice) noteOutputSize() {
	d.outSize, d.outAllow, d.outCalm = 0, outputQueued, 0
	if n, err := d.pa.AvailableToWrite(); err == nil {
		d.outSize = n
	}
}

// block is one 20 ms block in device frames.
func (d *PortAudioDevice) block() int { return d.rate / 50 }

// outputBacklogged reports (and counts) that the allowed blocks are already queued for
// playback, so this block is better left out.
func (d *PortAudioDevice) outputBacklogged() bool {
	if d.outSize <= 0 {
		return false
	}
	n, err := d.pa.AvailableToWrite()
	if err != nil || d.outSize-n < d.outAllow*d.block() {
		return false
	}
	d.c.latencyTrims.Add(1)
	return true
}
