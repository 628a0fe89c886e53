package main

import (
	"net"
	"strings"
	"testing"
	"time"
)

// TestDoctorOneWayAndLatch: the phone auto-answers SIPp calls.
//   - SIPp (uac-nortp) sends no RTP: after 2 s of our sending, a one_way diagnosis.
//   - a second call whose RTP comes from a small Go sender on another port than SIPp's SDP, with a
//     payload type the offer did not have: latched and payload_type diagnoses.
func TestDoctorOneWayAndLatch(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", "127.0.0.1:5266", "--audio", "null", "--auto-answer", "0s")

	res := l.sippAsync("uac-nortp", "127.0.0.1:5266", "SIPP_PORT=5267", "DURATION=3")
	d := p.waitFor(10*time.Second, "diagnosis", "kind", "one_way")
	if !strings.Contains(d.Str("message"), "nothing has arrived") || d.Str("id") == "" {
		t.Errorf("one_way diagnosis: %s", d.Raw)
	}
	if r := <-res; r.RC != 0 {
		t.Fatalf("SIPp: %s\n%s", r.Line, r.errTail())
	}

	// the second call: RTP from 127.0.0.1:<ephemeral>, not SIPp's media port, payload type 96
	p.Mark()
	res = l.sippAsync("uac-nortp", "127.0.0.1:5266", "SIPP_PORT=5267", "DURATION=3")
	m := p.waitEvent(ev("media"), 10*time.Second)
	conn, err := net.Dial("udp", m.Str("local"))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	pkt := make([]byte, 12+160)
	pkt[0], pkt[1] = 0x80, 96
	pkt[8], pkt[11] = 0x12, 0x34
	for i := 0; i < 10; i++ {
		pkt[3] = byte(i)
		if _, err := conn.Write(pkt); err != nil {
			t.Fatal(err)
		}
		time.Sleep(20 * time.Millisecond)
	}
	p.waitEvent(ev("diagnosis", "kind", "latched", "id", m.Str("id")), 5*time.Second)
	p.waitEvent(ev("diagnosis", "kind", "payload_type", "id", m.Str("id")), 5*time.Second)
	if r := <-res; r.RC != 0 {
		t.Fatalf("SIPp: %s\n%s", r.Line, r.errTail())
	}
}
