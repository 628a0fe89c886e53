package media

import (
	"net"
	"testing"
	"time"

	"github.com/pion/rtp"
)

// readRTP reads the next RTP packet from c.
func readRTP(t *testing.T, c *net.UDPConn) rtp.Packet {
	t.Helper()
	buf := make([]byte, 1500)
	_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
	n, _, err := c.ReadFromUDPAddrPort(buf)
	if err != nil {
		t.Fatal(err)
	}
	var p rtp.Packet
	if err := p.Unmarshal(buf[:n]); err != nil {
		t.Fatal(err)
	}
	return p
}

// TestMarkerAndTimestamps: the marker starts each talkspurt (first packet, after unmute, after
// resume) and the timestamp keeps counting samples while nothing is sent.
func TestMarkerAndTimestamps(t *testing.T) {
	c, dst := sink(t)
	s := newTestSession(t, Config{Device: newFakeDevice(1000)})
	params := Params{Remote: dst, Codec: PCMU}
	if err := s.Start(params); err != nil {
		t.Fatal(err)
	}
	first := readRTP(t, c)
	if !first.Marker {
		t.Fatal("no marker on the first packet")
	}
	prev := first
	next := func() rtp.Packet {
		p := readRTP(t, c)
		if p.SSRC != first.SSRC {
			t.Fatalf("SSRC changed")
		}
		if p.SequenceNumber != prev.SequenceNumber+1 {
			t.Fatalf("sequence %d after %d", p.SequenceNumber, prev.SequenceNumber)
		}
		prev = p
		return p
	}
	for range 3 {
		if p := next(); p.Marker || p.Timestamp-first.Timestamp > 10*160 {
			t.Fatalf("packet %+v", p.Header)
		}
	}
	s.SetMute(true)
	for p := next(); !isSilentPCMU(p.Payload); p = next() {
		if p.Marker {
			t.Fatal("marker while muting")
		}
	}
	s.SetMute(false)
	for p := next(); isSilentPCMU(p.Payload); p = next() {
	}
	if !prev.Marker {
		t.Fatal("no marker after unmute")
	}
	params.Direction = Inactive
	if err := s.Update(params); err != nil {
		t.Fatal(err)
	}
	waitTicks(s, 10) // on hold for at least 9 frames (the tick in progress may still send)
	params.Direction = SendRecv
	if err := s.Update(params); err != nil {
		t.Fatal(err)
	}
	var resumed rtp.Packet
	held := prev
	for {
		p := readRTP(t, c)
		if p.Marker {
			resumed = p
			break
		}
		held = p // in flight before the hold took effect
	}
	gap := resumed.Timestamp - held.Timestamp
	if gap < 10*160 || gap%160 != 0 {
		t.Fatalf("timestamp advanced by %d over a hold of 10+ frames", gap)
	}
	if resumed.SequenceNumber != held.SequenceNumber+1 {
		t.Fatalf("sequence %d after %d: sequence numbers must not skip over a hold", resumed.SequenceNumber, held.SequenceNumber)
	}
}

func isSilentPCMU(b []byte) bool {
	for _, x := range b {
		if x != 0xFF {
			return false
		}
	}
	return true
}
