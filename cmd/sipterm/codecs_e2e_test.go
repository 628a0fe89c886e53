package main

// Wideband codecs against baresip (its opus and g722 modules): each way, the codec both prefer
// is negotiated and a 6 kHz tone, which G.711 cannot carry, crosses end to end into each side's
// recording (16 kHz for G.722, 48 kHz for Opus). Ports: baresip 5240/5242 (ctrl 35240/35242),
// the phone 5244/5245.

import (
	"fmt"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestWidebandBaresip(t *testing.T) {
	needTools(t, "baresip", "sox")
	tests := []struct {
		name, codec      string // the codec both prefer, as the media event names it
		baresip          string // baresip's CODECS
		peerPort, listen int
		rate             int // the recordings' sample rate
	}{
		{"opus", "opus", "opus,PCMU", 5240, 5244, 48000},
		{"g722", "G722", "G722,PCMU", 5242, 5245, 16000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lab(t)
			peer := l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=6000", "CODECS=" + tt.baresip}, "baresip.sh", strconv.Itoa(tt.peerPort))
			ctl := portOf(peer.KV["ctrl"])
			dir := t.TempDir()
			tone := filepath.Join(dir, "tone6k.wav")
			makeToneAt(t, tone, 48000, 6000, 10)
			rec := filepath.Join(dir, "rec.wav")
			p := startPhone(t, "--listen", phoneAddr(tt.listen), "--audio", "file", "--play", tone, "--record", rec)

			t.Log("step: the phone calls baresip")
			p.Send("dial sip:baresip@127.0.0.1:" + strconv.Itoa(tt.peerPort))
			est := p.waitFor(15*time.Second, "call", "state", "established")
			id := est.Str("id")
			if m := p.waitFor(5*time.Second, "media", "id", id); m.Str("codec") != tt.codec {
				t.Errorf("media codec %q, want %s: %s", m.Str("codec"), tt.codec, m.Raw)
			}
			time.Sleep(3 * time.Second)
			p.Send("hangup " + id)
			p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
			checkPeerRecording(t, l, peer, tt.rate, 6000)

			t.Log("step: baresip calls the phone")
			p.Mark()
			res := l.baresipCtlAsync(ctl, "dial sip:sipterm@"+phoneAddr(tt.listen), "CALL_ESTABLISHED|CALL_CLOSED", 20*time.Second)
			in := p.waitFor(15*time.Second, "call", "state", "incoming")
			id = in.Str("id")
			p.Send("answer " + id)
			p.waitFor(10*time.Second, "call", "id", id, "state", "established")
			if m := p.waitFor(5*time.Second, "media", "id", id); m.Str("codec") != tt.codec {
				t.Errorf("media codec %q, want %s: %s", m.Str("codec"), tt.codec, m.Raw)
			}
			if r := <-res; r.RC != 0 || !strings.Contains(r.Out, `"type":"CALL_ESTABLISHED"`) {
				t.Fatalf("baresip's dial: rc=%d, no CALL_ESTABLISHED:\n%s", r.RC, r.Out)
			}
			time.Sleep(3 * time.Second)
			if out, rc := l.baresipCtl(ctl, "hangup", "CALL_CLOSED", 10*time.Second); rc != 0 {
				t.Errorf("baresip's hangup: rc=%d %s", rc, out)
			}
			p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
			checkPeerRecording(t, l, peer, tt.rate, 6000)
			p.stop() // the recordings are complete once the phone has exited

			for _, f := range []string{rec, strings.TrimSuffix(rec, ".wav") + "-2.wav"} {
				checkRate(t, f, tt.rate)
				if out, rc := l.run(30*time.Second, nil, "wavcheck.sh", f); rc != 0 {
					t.Errorf("the phone's recording %s is silent: %s", filepath.Base(f), out)
				}
				checkToneShare(t, f, 6000)
			}
		})
	}
}

// checkPeerRecording waits (bounded) for baresip's newest decoded-audio recording to hold a
// tone at hz, at rate: baresip writes its WAV header when the call has ended.
func checkPeerRecording(t *testing.T, l *Lab, peer Peer, rate, hz int) {
	t.Helper()
	var out, file string
	ok := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(peer.KV["rec"], "dump-*-dec.wav"))
		sort.Strings(files)
		if len(files) == 0 {
			out = "no dump-*-dec.wav in " + peer.KV["rec"]
			continue
		}
		file = files[len(files)-1]
		var rc int
		if out, rc = l.run(30*time.Second, nil, "wavcheck.sh", file); rc == 0 {
			ok = true
			break
		}
	}
	if !ok {
		t.Errorf("baresip's recording is silent: %s", out)
		return
	}
	checkRate(t, file, rate)
	checkToneShare(t, file, hz)
}

// checkToneShare fails the test unless most of the file's power is within 5% of hz: the
// recording is the tone (sox stat's zero-crossing frequency is no judge near Nyquist).
func checkToneShare(t *testing.T, file string, hz int) {
	t.Helper()
	total, band := soxRMS(t, file), soxRMS(t, file, "sinc", fmt.Sprintf("%d-%d", hz*95/100, hz*105/100))
	share := 0.0
	if total > 0 {
		share = band * band / (total * total)
	}
	t.Logf("%s: RMS %.3f, %.0f%% of the power at %d Hz", filepath.Base(file), total, 100*share, hz)
	if total < 0.05 || share < 0.8 {
		t.Errorf("%s does not hold the %d Hz tone: RMS %.3f, %.0f%% of the power there", filepath.Base(file), hz, total, 100*share)
	}
}

// soxRMS is the RMS amplitude (0..1) of file after the sox effects.
func soxRMS(t *testing.T, file string, effects ...string) float64 {
	t.Helper()
	out, err := exec.Command("sox", append([]string{file, "-n"}, append(effects, "stat")...)...).CombinedOutput()
	if err != nil {
		t.Fatalf("sox %s %v: %v %s", file, effects, err, out)
	}
	for _, line := range strings.Split(string(out), "\n") {
		if k, v, ok := strings.Cut(line, ":"); ok && strings.TrimSpace(k) == "RMS     amplitude" {
			f, _ := strconv.ParseFloat(strings.TrimSpace(v), 64)
			return f
		}
	}
	t.Fatalf("sox stat of %s: no RMS amplitude in %s", file, out)
	return 0
}

// checkRate fails the test unless the WAV file's sample rate is rate.
func checkRate(t *testing.T, file string, rate int) {
	t.Helper()
	out, err := exec.Command("soxi", "-r", file).CombinedOutput()
	if err != nil {
		t.Errorf("soxi %s: %v %s", file, err, out)
		return
	}
	if got := strings.TrimSpace(string(out)); got != strconv.Itoa(rate) {
		t.Errorf("%s is at %s Hz, want %d (wideband end to end)", filepath.Base(file), got, rate)
	}
}

// makeToneAt writes a sine of hz at rate for seconds (makeTone's rate is 8 kHz).
func makeToneAt(t *testing.T, path string, rate, hz, seconds int) {
	t.Helper()
	out, err := exec.Command("sox", "-n", "-r", strconv.Itoa(rate), "-c", "1", "-b", "16", path,
		"synth", strconv.Itoa(seconds), "sine", strconv.Itoa(hz), "vol", "0.5").CombinedOutput()
	if err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
}
