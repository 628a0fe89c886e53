package media

import (
	"encoding/binary"
	"errors"
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
	pause  int // frames of audio still due before the next digit
}

func (d *dtmfTx) begin(ev uint8, ts uint32) {
	*d = dtmfTx{active: true, event: ev, ts: ts}
}

// step gives this frame's event packet and whether it is the event's first (marker) packet.
func (d *dtmfTx) step() (dtmfEvent, bool) {
	first := d.sent == 0
	d.sent++
	if d.dur < dtmfToneSamples {
		d.dur += frameSamples
	}
	e := dtmfEvent{Event: d.event, Volume: dtmfVolume, Duration: uint16(d.dur)}
	if d.dur >= dtmfToneSamples {
		e.End = true
		d.ends++
		if d.ends >= dtmfEndRepeats {
			d.active = false
			d.pause = dtmfPauseFrames
		}
	}
	return e, first
}
