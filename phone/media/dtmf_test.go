package media

import (
	"testing"

	"github.com/pion/rtp"
)

// TestDTMFPackets checks the RFC 4733 packets on the wire: one timestamp per event, marker on its
// first packet, growing duration, the end packet three times, audio resuming with a marker.
func TestDTMFPackets(t *testing.T) {
	c, dst := sink(t)
	s := newTestSession(t, Config{})
	if err := s.Start(Params{Remote: dst, Codec: PCMA, DTMFPT: 96}); err != nil {
		t.Fatal(err)
	}
	if err := s.SendDTMF("5#"); err != nil {
		t.Fatal(err)
	}
	type event struct {
		ts    uint32
		pkts  []dtmfEvent
		first bool // marker on the first packet
	}
	var events []*event
	var lastSeq uint16
	var lastAudioTS uint32
	haveSeq, audioAfter, audioMarker := false, false, false
	buf := make([]byte, 1500)
	var pkt rtp.Packet
	for !audioAfter {
		n, _, err := c.ReadFromUDPAddrPort(buf)
		if err != nil {
			t.Fatal(err)
		}
		if err := pkt.Unmarshal(buf[:n]); err != nil {
			t.Fatal(err)
		}
		if haveSeq && pkt.SequenceNumber != lastSeq+1 {
			t.Fatalf("sequence %d after %d", pkt.SequenceNumber, lastSeq)
		}
		haveSeq, lastSeq = true, pkt.SequenceNumber
		switch pkt.PayloadType {
		case 96:
			e, err := parseDTMF(pkt.Payload)
			if err != nil {
				t.Fatal(err)
			}
			if len(events) == 0 || events[len(events)-1].ts != pkt.Timestamp {
				if len(events) > 0 && lastAudioTS == 0 {
					t.Fatal("no audio pause between the events")
				}
				events = append(events, &event{ts: pkt.Timestamp, first: pkt.Marker})
				lastAudioTS = 0
			} else if pkt.Marker {
				t.Fatal("marker on a continuation packet")
			}
			ev := events[len(events)-1]
			ev.pkts = append(ev.pkts, e)
		case 8:
			if int32(pkt.Timestamp-lastAudioTS) <= 0 && lastAudioTS != 0 {
				t.Fatalf("audio timestamp went back: %d after %d", pkt.Timestamp, lastAudioTS)
			}
			if len(events) > 0 && lastAudioTS == 0 {
				audioMarker = pkt.Marker
			}
			lastAudioTS = pkt.Timestamp
			if len(events) == 2 && len(events[1].pkts) > 0 && events[1].pkts[len(events[1].pkts)-1].End {
				audioAfter = true
			}
		default:
			t.Fatalf("payload type %d", pkt.PayloadType)
		}
	}
	for i, want := range []uint8{5, 11} {
		ev := events[i]
		if !ev.first {
			t.Errorf("event %d: no marker on the first packet", i)
		}
		ends, prev := 0, uint16(0)
		for _, p := range ev.pkts {
			if p.Event != want || p.Volume != dtmfVolume {
				t.Errorf("event %d: packet %+v", i, p)
			}
			if p.Duration < prev {
				t.Errorf("event %d: duration went down", i)
			}
			prev = p.Duration
			if p.End {
				ends++
				if p.Duration != dtmfToneSamples {
					t.Errorf("event %d: end duration %d", i, p.Duration)
				}
			} else if ends > 0 {
				t.Errorf("event %d: packet after the end", i)
			}
		}
		if ends != dtmfEndRepeats {
			t.Errorf("event %d: %d end packets", i, ends)
		}
	}
	if !audioMarker {
		t.Error("audio after the event has no marker")
	}
}

func TestDTMFDetector(t *testing.T) {
	var d dtmfDetector
	steps := []struct {
		ssrc, ts uint32
		payload  []byte
		want     string
	}{
		{1, 100, []byte{1, 0x0A, 0, 160}, "1"},
		{1, 100, []byte{1, 0x0A, 1, 64}, ""},
		{1, 100, []byte{1, 0x8A, 3, 32}, ""},
		{1, 100, []byte{1, 0x8A, 3, 32}, ""},
		{1, 1000, []byte{1, 0x8A, 3, 32}, "1"},  // only the end packets of the next "1" arrived
		{1, 2000, []byte{16, 0x0A, 0, 160}, ""}, // flash: not a digit
		{1, 3000, []byte{15, 0x0A}, ""},         // short
		{2, 3000, []byte{15, 0x0A, 0, 160}, "D"},
	}
	for i, st := range steps {
		if got := d.handle(st.ssrc, st.ts, st.payload); got != st.want {
			t.Errorf("step %d: %q, want %q", i, got, st.want)
		}
	}
}

func TestDTMFFeedbackTone(t *testing.T) {
	frame := make([]int16, 1600)
	for n := 0; n < len(frame); n += frameSamples {
		mixDTMFTone(frame[n:n+frameSamples], 5, n) // '5': 770 + 1336 Hz
	}
	p770, p1336 := goertzel(frame, 770), goertzel(frame, 1336)
	for _, f := range []float64{697, 852, 941, 1209, 1477, 1633} {
		if p := goertzel(frame, f); p*50 > p770 || p*50 > p1336 {
			t.Fatalf("%.0f Hz is as strong as the tone's pair", f)
		}
	}
	if l := dbfs(frame); l < -20 || l > -10 {
		t.Fatalf("feedback level %.1f dBFS", l)
	}
}
