package media

import (
	"encoding/binary"
	"errors"
	"math"
)

// RFC 4733 telephone events.

const (
	dtmfToneSamples = 800 // 100 ms tone
	dtmfEndRepeats  = 3   // the end packet is sent three times
	dtmfPauseFrames = 3   // 60 ms of audio after the last end packet before the next digit
	dtmfVolume      = 10  // -10 dBm0
)

const dtmfDigits = "0123456789*#ABCD"

// errShortEvent means the payload is shorter than an RFC 4733 event.
var errShortEvent = errors.New("media: telephone-event payload shorter than 4 bytes")

// dtmfEvent is one RFC 4733 payload: event, end bit, volume and duration in timestamp units.
type dtmfEvent struct {
	Event    uint8
	End      bool
	Volume   uint8 // 0..63, -dBm0
	Duration uint16
}

// parseDTMF decodes the first event of an RFC 4733 payload.
func parseDTMF(b []byte) (dtmfEvent, error) {
	if len(b) < 4 {
		return dtmfEvent{}, errShortEvent
	}
	return dtmfEvent{
		Event:    b[0],
		End:      b[1]&0x80 != 0,
		Volume:   b[1] & 0x3F,
		Duration: binary.BigEndian.Uint16(b[2:4]),
	}, nil
}

// marshalTo writes the 4-byte payload into b and returns 4.
func (e dtmfEvent) marshalTo(b []byte) int {
	b[0] = e.Event
	b[1] = e.Volume & 0x3F
	if e.End {
		b[1] |= 0x80
	}
	binary.BigEndian.PutUint16(b[2:4], e.Duration)
	return 4
}

// digitEvent maps '0'-'9', '*', '#', 'A'-'D' (either case) to its event code.
func digitEvent(c byte) (uint8, bool) {
	if c >= 'a' && c <= 'd' {
		c -= 'a' - 'A'
	}
	for i := range len(dtmfDigits) {
		if dtmfDigits[i] == c {
			return uint8(i), true
		}
	}
	return 0, false
}

// eventDigit maps an event code 0..15 to its digit.
func eventDigit(ev uint8) (string, bool) {
	if int(ev) >= len(dtmfDigits) {
		return "", false
	}
	return dtmfDigits[ev : ev+1], true
}

// dtmfDetector reports each received event once: a new event is a new (SSRC, timestamp).
type dtmfDetector struct {
	have bool
	ssrc uint32
	ts   uint32
}

// handle returns the digit when this packet starts a new event, else "".
func (d *dtmfDetector) handle(ssrc, ts uint32, payload []byte) string {
	ev, err := parseDTMF(payload)
	if err != nil {
		return ""
	}
	digit, ok := eventDigit(ev.Event)
	if !ok {
		return ""
	}
	if d.have && d.ssrc == ssrc && d.ts == ts {
		return ""
	}
	d.have, d.ssrc, d.ts = true, ssrc, ts
	return digit
}

// dtmfTx is the send loop's state for the digit being sent.
type dtmfTx struct {
	active bool
	event  uint8
	ts     uint32 // the event's RTP timestamp: the same in all its packets
	dur    uint32
	sent   int
	ends   int
	pause  int    // frames of audio still due before the next digit
	scale  uint32 // RTP clock / 8000: durations are in the codec's clock (48 kHz for Opus)
}

func (d *dtmfTx) begin(ev uint8, ts uint32) {
	*d = dtmfTx{active: true, event: ev, ts: ts}
}

// step gives this frame's event packet and whether it is the event's first (marker) packet.
func (d *dtmfTx) step() (dtmfEvent, bool) {
	first := d.sent == 0
	d.sent++
	k := max(d.scale, 1)
	if d.dur < dtmfToneSamples*k {
		d.dur += frameSamples * k
	}
	e := dtmfEvent{Event: d.event, Volume: dtmfVolume, Duration: uint16(d.dur)}
	if d.dur >= dtmfToneSamples*k {
		e.End = true
		d.ends++
		if d.ends >= dtmfEndRepeats {
			d.active = false
			d.pause = dtmfPauseFrames
		}
	}
	return e, first
}

// DTMF frequency pairs (Hz) by event code, for the local feedback tone.
var dtmfFreqs = [16][2]float64{
	{941, 1336}, {697, 1209}, {697, 1336}, {697, 1477}, {770, 1209}, {770, 1336}, {770, 1477},
	{852, 1209}, {852, 1336}, {852, 1477}, {941, 1209}, {941, 1477},
	{697, 1633}, {770, 1633}, {852, 1633}, {941, 1633},
}

// dtmfFeedbackAmp is each component's amplitude: the pair peaks at about -14 dBFS.
const dtmfFeedbackAmp = 3300

// mixDTMFTone mixes the event's dual tone into frame (what the user hears while a digit is sent),
// starting at sample offset n of the tone.
func mixDTMFTone(frame []int16, event uint8, n int) { mixDTMFToneAt(frame, event, n, 8000) }

// mixDTMFToneAt is mixDTMFTone for a frame at rate Hz.
func mixDTMFToneAt(frame []int16, event uint8, n, rate int) {
	if int(event) >= len(dtmfFreqs) {
		return
	}
	f := dtmfFreqs[event]
	for i := range frame {
		t := float64(n+i) / float64(rate)
		v := float64(frame[i])/2 + dtmfFeedbackAmp*(math.Sin(2*math.Pi*f[0]*t)+math.Sin(2*math.Pi*f[1]*t))
		frame[i] = int16(max(min(v, math.MaxInt16), math.MinInt16))
	}
}
