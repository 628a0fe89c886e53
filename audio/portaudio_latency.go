package audio

import (
	"errors"

	"github.com/gordonklaus/portaudio"
)

// The device loop reads a block (which blocks until the device has captured one) and then
// writes one. Once a stall (a starved process, a burst of scheduling) has let blocks pile up
// in the device's input buffer, or a recovered underflow has refilled its output buffer, each
// read returns at once and each write waits: the loop follows the device clock again but
// with the backlog kept for the rest of the stream, up to the whole buffer (60 ms each way
// through the ALSA PulseAudio plugin, measured with the acoustic delay benchmark). So after a
// read the input is read past down to at most captureBacklog blocks, and a block is left
// unwritten while outputQueued blocks are already queued: each trim costs 20 ms of sound,
// once, instead of adding 20 ms of delay to the rest of the call.
const (
	captureBacklog = 1 // blocks left waiting in the input buffer after a read
	outputQueued   = 3 // at most this many blocks queued ahead in the output buffer
	maxTrimReads   = 8 // reads past a backlog per block, at most
)

// noteOutputSize records the output buffer's size: all of it is writable right after Start,
// before anything was written.
func (d *PortAudioDevice) noteOutputSize() {
	d.outSize = 0
	if n, err := d.pa.AvailableToWrite(); err == nil {
		d.outSize = n
	}
}

// block is one 20 ms block in device frames.
func (d *PortAudioDevice) block() int { return d.rate / 50 }

// trimCapture reads past captured blocks beyond captureBacklog, keeping the newest in inBuf.
func (d *PortAudioDevice) trimCapture() {
	for range maxTrimReads {
		n, err := d.pa.AvailableToRead()
		if err != nil || n < (captureBacklog+1)*d.block() {
			return
		}
		if err := d.pa.Read(); err != nil && !errors.Is(err, portaudio.InputOverflowed) {
			return
		}
		d.c.latencyTrims.Add(1)
	}
}

// outputBacklogged reports (and counts) that outputQueued blocks are already queued for
// playback, so this block is better left out.
func (d *PortAudioDevice) outputBacklogged() bool {
	if d.outSize <= 0 {
		return false
	}
	n, err := d.pa.AvailableToWrite()
	if err != nil || d.outSize-n < outputQueued*d.block() {
		return false
	}
	d.c.latencyTrims.Add(1)
	return true
}
