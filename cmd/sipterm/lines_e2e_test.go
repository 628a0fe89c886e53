package main

// Many lines against real peers: call waiting and swap (baresip + SIPp), and a local three-way
// conference with two baresips. Ports: the phone 5170 and 5171; baresip 5172, 5174 and 5178
// (ctrl +30000); SIPp 5176 and 5177.

import (
	"encoding/binary"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/sipterm/sipterm/phone/media"
)

// TestCallWaitingSwap: the phone is in a call with baresip when SIPp calls. The second call
// rings (max_calls = 2 counts it: a third caller gets 486); answering it puts the baresip call
// on hold (baresip receives a=sendonly and answers a=recvonly); swap holds SIPp (its scenario
// fails unless the re-INVITE offers a=sendonly) and resumes baresip (a=sendrecv again).
func TestCallWaitingSwap(t *testing.T) {
	needTools(t, "baresip", "sipp")
	l := lab(t)
	peer := l.startPeer([]string{"AUTOANSWER=1", "SIP_TRACE=1"}, "baresip.sh", "5178")
	blog := peer.KV["log"]
	cfg := writeFile(t, t.TempDir(), "sipterm.toml", "max_calls = 2\n")
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5170), "--audio", "null")

	p.Send("dial sip:baresip@127.0.0.1:5178")
	c1 := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	p.waitFor(5*time.Second, "media", "id", c1)

	t.Log("step: SIPp calls during the call: it rings as a waiting call")
	p.Mark()
	sipp := l.sippAsync("uac-held", phoneAddr(5170), "SIPP_PORT=5176", "TIMEOUT=90", "RECV_TIMEOUT=60000")
	in := p.waitFor(10*time.Second, "call", "state", "incoming")
	c2 := in.Str("id")
	calls := callStates(p)
	if calls[c1] != "established" || calls[c2] != "incoming" {
		t.Fatalf("while the second call rings: calls %v, want %s established and %s incoming", calls, c1, c2)
	}

	t.Log("step: max_calls = 2 counts the waiting call: a third caller gets 486")
	l.sipp("uac-refused-486", phoneAddr(5170), "SIPP_PORT=5177").expectOK(t, 1)

	t.Log("step: answering the waiting call holds the first")
	p.Mark()
	p.Send("answer " + c2)
	p.waitFor(10*time.Second, "call", "id", c2, "state", "established")
	held := p.waitFor(10*time.Second, "call", "id", c1, "state", "held")
	if held.Str("reason") != "held locally" {
		t.Errorf("first call held with reason %q, want \"held locally\": %s", held.Str("reason"), held.Raw)
	}
	if err := waitFileContains(blog, "a=sendonly", 10*time.Second); err != nil {
		t.Errorf("baresip was not offered a=sendonly: %v", err)
	}
	if err := waitFileContains(blog, "a=recvonly", 10*time.Second); err != nil {
		t.Errorf("baresip did not answer a=recvonly: %v", err)
	}

	t.Log("step: swap holds SIPp and resumes baresip")
	sendrecv := countInFile(blog, "a=sendrecv")
	p.Mark()
	p.Send("swap")
	res := p.waitFor(10*time.Second, "call", "id", c1, "state", "established")
	if res.Str("reason") != "resumed" {
		t.Errorf("first call: reason %q, want resumed: %s", res.Str("reason"), res.Raw)
	}
	p.waitFor(10*time.Second, "call", "id", c2, "state", "held")
	if !waitCount(blog, "a=sendrecv", sendrecv+2, 10*time.Second) { // our offer and baresip's answer
		t.Errorf("baresip saw no re-INVITE with a=sendrecv after swap (%d before, %d now)",
			sendrecv, countInFile(blog, "a=sendrecv"))
	}

	t.Log("step: hang up both")
	p.Send("hangup " + c2)
	p.waitFor(10*time.Second, "call", "id", c2, "state", "terminated")
	(<-sipp).expectOK(t, 1) // held by swap with a=sendonly, then our BYE
	p.Send("hangup " + c1)
	p.waitFor(10*time.Second, "call", "id", c1, "state", "terminated")
	p.never603()
}

// TestConferenceTwoBaresips: the phone (file audio: 900 Hz) calls baresip A (500 Hz), then B
// (1300 Hz; dialing holds A first), joins them, and later splits them. A's recording holds
// B's tone and ours but not its own; B's holds A's and ours; ours holds A's on the first
// call's stream and B's on the second's.
func TestConferenceTwoBaresips(t *testing.T) {
	needTools(t, "baresip", "sox")
	l := lab(t)
	l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=500", "NAME=conf-a"}, "baresip.sh", "5172")
	l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=1300", "NAME=conf-b"}, "baresip.sh", "5174")
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone900.wav")
	// a quieter tone than makeTone's: 900 Hz plus a baresip's loud sine must not clip, or
	// the intermodulation (2*900-1300 = 500 Hz) would look like a leg hearing itself
	if out, err := exec.Command("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", tone,
		"synth", "10", "sine", "900", "vol", "0.25").CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	rec := filepath.Join(dir, "rec.wav")
	capture := startCapture(t, 10440, 10499) // A's and B's RTP ports (baresip.sh: 10000+20*(PORT%50))
	p := startPhone(t, "--listen", phoneAddr(5171), "--audio", "file", "--play", tone, "--record", rec)

	p.Send("dial sip:baresip@127.0.0.1:5172")
	c1 := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	p.Mark()
	p.Send("dial sip:baresip@127.0.0.1:5174")
	p.waitFor(10*time.Second, "call", "id", c1, "state", "held")
	c2 := p.waitFor(15*time.Second, "call", "direction", "out", "state", "established").Str("id")
	if c2 == c1 {
		t.Fatalf("second call has the first's id %s", c1)
	}

	t.Log("step: conference")
	p.Mark()
	p.Send("conference")
	p.waitFor(10*time.Second, "call", "id", c1, "state", "established")
	ev := p.waitEvent(func(e Event) bool {
		return e.Str("event") == "call" && e.Str("id") == c2 && strings.Contains(e.Raw, `"conference":["`+c1+`"]`)
	}, 5*time.Second)
	if ev.Str("state") != "established" {
		t.Errorf("second call in the conference: %s", ev.Raw)
	}
	time.Sleep(3 * time.Second) // the conference's audio

	t.Log("step: split: the second call stays, the first is held")
	pkts := capture.packets()
	p.Mark()
	p.Send("split " + c2)
	p.waitFor(10*time.Second, "call", "id", c1, "state", "held")
	p.Send("hangup " + c1)
	p.Send("hangup " + c2)
	p.waitFor(10*time.Second, "call", "id", c1, "state", "terminated")
	p.waitFor(10*time.Second, "call", "id", c2, "state", "terminated")
	p.stop()

	type want struct {
		file            string
		present, absent []int
	}
	checks := []want{
		{rtpWAV(t, pkts, 10440, 10459, filepath.Join(dir, "to-a.wav")), []int{900, 1300}, []int{500}},
		{rtpWAV(t, pkts, 10480, 10499, filepath.Join(dir, "to-b.wav")), []int{900, 500}, []int{1300}},
		{rec, []int{500}, []int{1300}},
		{strings.TrimSuffix(rec, ".wav") + "-2.wav", []int{1300}, []int{500}},
	}
	for _, w := range checks {
		bands, out := l.wavbands(w.file, append(w.present, w.absent...)...)
		t.Logf("%s: %s", filepath.Base(w.file), oneLine(out, 300))
		for _, hz := range w.present {
			if bands[hz] < 0.05 {
				t.Errorf("%s: no %d Hz (band rms %.4f)", w.file, hz, bands[hz])
			}
		}
		for _, hz := range w.absent {
			if bands[hz] > 0.01 {
				t.Errorf("%s: holds %d Hz, which it must not (band rms %.4f)", w.file, hz, bands[hz])
			}
		}
	}
}

// rtpWAV writes the PCMU audio of the captured RTP sent to ports lo..hi (a peer's RTP range)
// as an 8 kHz WAV: what that peer received. baresip 1.0 stops its own recording of what it
// receives at the first re-INVITE (hold), so the test listens on the wire instead.
func rtpWAV(t *testing.T, pkts []capturedUDP, lo, hi uint16, path string) string {
	t.Helper()
	seen := map[uint16]bool{} // loopback shows each datagram twice
	var pcm []byte
	frame := make([]int16, 160)
	for _, p := range pkts {
		b := p.payload
		if p.dst < lo || p.dst > hi || len(b) < 12 || b[0]>>6 != 2 || b[1]&0x7f != 0 {
			continue
		}
		seq := binary.BigEndian.Uint16(b[2:])
		if seen[seq] {
			continue
		}
		seen[seq] = true
		hdr := 12 + 4*int(b[0]&0x0f)
		if len(b) <= hdr || len(b)-hdr > len(frame) {
			continue
		}
		n := media.DecodeUlaw(frame, b[hdr:])
		for _, v := range frame[:n] {
			pcm = binary.LittleEndian.AppendUint16(pcm, uint16(v))
		}
	}
	if len(pcm) < 8000*2 {
		t.Fatalf("RTP to ports %d-%d: %d bytes of audio captured, want a second at least", lo, hi, len(pcm))
	}
	raw := strings.TrimSuffix(path, ".wav") + ".raw"
	if err := os.WriteFile(raw, pcm, 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command("sox", "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1",
		raw, path).CombinedOutput(); err != nil {
		t.Fatalf("sox %s: %v %s", raw, err, out)
	}
	return path
}

var bandRE = regexp.MustCompile(`band (\d+) rms=(\S+)`)

// wavbands runs .ci/lab/wavbands.sh: the RMS of a narrow band around each frequency.
func (l *Lab) wavbands(file string, hz ...int) (map[int]float64, string) {
	l.t.Helper()
	args := []string{file}
	for _, h := range hz {
		args = append(args, strconv.Itoa(h))
	}
	out, rc := l.run(30*time.Second, nil, "wavbands.sh", args...)
	if rc != 0 {
		l.t.Fatalf("wavbands.sh %v: rc=%d %s", args, rc, out)
	}
	bands := map[int]float64{}
	for _, m := range bandRE.FindAllStringSubmatch(out, -1) {
		h, _ := strconv.Atoi(m[1])
		bands[h], _ = strconv.ParseFloat(m[2], 64)
	}
	return bands, out
}

// callStates asks the phone for its calls: id -> state.
func callStates(p *Phone) map[string]string {
	from := p.Mark()
	p.query("calls", "calls", 5*time.Second)
	out := map[string]string{}
	for _, e := range p.Events()[from:] {
		if e.Str("event") == "call" {
			out[e.Str("id")] = e.Str("state")
		}
	}
	return out
}

func countInFile(path, substr string) int {
	b, _ := os.ReadFile(path)
	return strings.Count(string(b), substr)
}

// waitCount polls a log file until substr occurs at least n times (bounded).
func waitCount(path, substr string, n int, timeout time.Duration) bool {
	for deadline := time.Now().Add(timeout); ; time.Sleep(100 * time.Millisecond) {
		if countInFile(path, substr) >= n {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
	}
}
