package main

import (
	"encoding/json"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// TestDoctorPeerSide: SIPp (uac-nortp) does the signalling of one 11 s call the phone
// auto-answers; a small Go sender plays the peer's media:
//   - RTP whose timestamps run 10 % fast against wall-clock time: clock_drift after 10 s;
//   - RTCP receiver reports with no block for our SSRC while we send: one_way, direction out;
//   - RTP that goes on for 1.5 s after SIPp's BYE: rtp_after_bye once the linger is over;
//   - a marker bit every second: stream events (the quality pane's SSRC and talkspurts).
//
// The call's capture summary (capture_dir) lists the findings, rtp_after_bye included.
func TestDoctorPeerSide(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	dir := t.TempDir()
	capDir := filepath.Join(dir, "captures")
	cfg := writeFile(t, dir, "config.toml", fmt.Sprintf("capture_dir = %q\n", capDir))
	p := startPhone(t, "--config", cfg, "--listen", "127.0.0.1:5310", "--audio", "null", "--auto-answer", "0s")
	res := l.sippAsync("uac-nortp", "127.0.0.1:5310", "SIPP_PORT=5311", "MEDIA_PORT=16310", "DURATION=11")
	m := p.waitEvent(ev("media"), 10*time.Second)
	id := m.Str("id")
	if m.Str("ptime") != "20" {
		t.Errorf("media event: %s, want ptime 20", m.Raw)
	}
	rtpAddr, err := net.ResolveUDPAddr("udp4", m.Str("local"))
	if err != nil {
		t.Fatal(err)
	}
	rtcpAddr := &net.UDPAddr{IP: rtpAddr.IP, Port: rtpAddr.Port + 1}

	stop := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := peerMedia(rtpAddr, rtcpAddr, stop); err != nil {
			t.Error(err)
		}
	}()
	defer func() { close(stop); wg.Wait() }()

	p.waitEvent(ev("stream", "id", id, "what", "ssrc", "ssrc", "00005eed"), 5*time.Second)
	p.waitEvent(ev("stream", "id", id, "what", "talkspurt", "talkspurts", "2"), 5*time.Second)
	out := p.waitEvent(ev("diagnosis", "kind", "one_way", "id", id), 8*time.Second)
	if out.Str("direction") != "out" || !strings.Contains(out.Str("message"), "no report block for our SSRC") {
		t.Errorf("one_way diagnosis: %s", out.Raw)
	}
	d := p.waitEvent(ev("diagnosis", "kind", "clock_drift", "id", id), 15*time.Second)
	if msg := d.Str("message"); !strings.Contains(msg, "+10.") && !strings.Contains(msg, "+9.9") {
		t.Errorf("clock_drift diagnosis: %s", d.Raw)
	}
	p.waitEvent(ev("call", "state", "terminated", "id", id), 10*time.Second)
	time.Sleep(1500 * time.Millisecond) // the peer goes on sending after the BYE
	close(stop)
	wg.Wait()
	stop = make(chan struct{})
	a := p.waitEvent(ev("diagnosis", "kind", "rtp_after_bye", "id", id), 5*time.Second)
	// the times are the packets' arrivals (the kernel's stamps), not when the linger read them
	// all at its end: the stream's last 1 s or so, not one instant
	var first, last float64
	span := regexp.MustCompile(`([0-9.]+) to ([0-9.]+) s after BYE`).FindStringSubmatch(a.Str("message"))
	if span != nil {
		first, _ = strconv.ParseFloat(span[1], 64)
		last, _ = strconv.ParseFloat(span[2], 64)
	}
	if span == nil || last-first < 0.5 {
		t.Errorf("rtp_after_bye diagnosis: %s, want the late packets' arrivals over 0.5 s or more", a.Raw)
	}
	if r := <-res; r.RC != 0 {
		t.Fatalf("SIPp: %s\n%s", r.Line, r.errTail())
	}
	var sum string
	for deadline := time.Now().Add(10 * time.Second); sum == ""; time.Sleep(200 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(capDir, "sipterm-*-"+id+".json")); len(m) == 1 {
			sum = m[0]
		} else if time.Now().After(deadline) {
			t.Fatalf("no capture summary for %s in %s within 10 s", id, capDir)
		}
	}
	var s struct{ Findings []string }
	if b, err := os.ReadFile(sum); err != nil || json.Unmarshal(b, &s) != nil {
		t.Fatalf("reading %s: %v", sum, err)
	}
	if f := strings.Join(s.Findings, "\n"); !strings.Contains(f, "clock runs +") || !strings.Contains(f, "RTP kept coming after the call ended") {
		t.Errorf("the capture summary's findings lack clock_drift or rtp_after_bye:\n%s", f)
	}
}

// peerMedia sends PCMU RTP every 20 ms stamped 8800 Hz against wall-clock time (10 % fast), and
// every second an RTCP RR without a report block (it receives nothing of ours), until stop.
func peerMedia(rtpAddr, rtcpAddr *net.UDPAddr, stop <-chan struct{}) error {
	rc, err := net.DialUDP("udp4", nil, rtpAddr)
	if err != nil {
		return err
	}
	defer rc.Close()
	cc, err := net.DialUDP("udp4", nil, rtcpAddr)
	if err != nil {
		return err
	}
	defer cc.Close()
	rr, err := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 0x5eed}})
	if err != nil {
		return err
	}
	pkt := make([]byte, 12+160)
	pkt[0], pkt[1] = 0x80, 0
	pkt[8], pkt[9], pkt[10], pkt[11] = 0, 0, 0x5e, 0xed
	for i := 12; i < len(pkt); i++ {
		pkt[i] = byte(0x20 + i%64) // not digital silence
	}
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	start := time.Now()
	for seq := 0; ; seq++ {
		select {
		case <-stop:
			return nil
		case now := <-tick.C:
			ts := uint32(now.Sub(start).Seconds() * 8800)
			pkt[1] = 0 // PCMU; a talkspurt starts every second
			if seq%50 == 10 {
				pkt[1] = 0x80
			}
			pkt[2], pkt[3] = byte(seq>>8), byte(seq)
			pkt[4], pkt[5], pkt[6], pkt[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
			_, _ = rc.Write(pkt) // after the linger the port is closed: ICMP errors are expected
			if seq%50 == 25 {
				_, _ = cc.Write(rr)
			}
		}
	}
}
