package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// The acoustic lab: one 4-channel PulseAudio null sink "meas" whose channels are two phones'
// microphones and speakers, so that a single recording of its monitor holds, sample-aligned,
// what entered each microphone and what each speaker played:
//
//	aux0  side a's microphone  (the source a_mic is this channel of meas.monitor)
//	aux1  side a's speaker     (the sink a_spk plays into this channel)
//	aux2  side b's microphone  (b_mic)
//	aux3  side b's speaker     (b_spk)
//
// The stimulus is played into the 2-channel sink "stim" (left -> aux0, right -> aux2). A phone
// is pointed at its side with PULSE_SINK/PULSE_SOURCE (sideEnv). The channels are separate:
// no phone hears the other's speaker, so there is no echo path.
type acousticLab struct {
	t   *testing.T
	env []string // reaches the server
	dir string
}

const (
	acRate     = 8000 // recording and stimulus rate
	acChannels = 4
	clickLen   = 400 // a 50 ms chirp
	clickWin   = 600 // correlation window
)

func startAcousticLab(t *testing.T, l *Lab) *acousticLab {
	t.Helper()
	a := &acousticLab{t: t, env: startPulseLab(t, l), dir: testDir(t, "acoustic")}
	for _, m := range [][]string{
		{"module-null-sink", "sink_name=meas", "rate=48000", "channels=4", "channel_map=aux0,aux1,aux2,aux3"},
		{"module-remap-sink", "sink_name=stim", "master=meas", "channels=2", "channel_map=front-left,front-right", "master_channel_map=aux0,aux2", "remix=no"},
		{"module-remap-sink", "sink_name=a_spk", "master=meas", "channels=1", "channel_map=mono", "master_channel_map=aux1", "remix=no"},
		{"module-remap-sink", "sink_name=b_spk", "master=meas", "channels=1", "channel_map=mono", "master_channel_map=aux3", "remix=no"},
		{"module-remap-source", "source_name=a_mic", "master=meas.monitor", "channels=1", "channel_map=mono", "master_channel_map=aux0", "remix=no"},
		{"module-remap-source", "source_name=b_mic", "master=meas.monitor", "channels=1", "channel_map=mono", "master_channel_map=aux2", "remix=no"},
	} {
		a.pactl(append([]string{"load-module"}, m...)...)
	}
	return a
}

func (a *acousticLab) pactl(args ...string) string {
	a.t.Helper()
	cmd := exec.Command("pactl", args...)
	cmd.Env = append(os.Environ(), a.env...)
	out, err := cmd.CombinedOutput()
	if err != nil {
		a.t.Fatalf("pactl %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// recordings counts the server's record streams.
func (a *acousticLab) recordings() int {
	return strings.Count(a.pactl("list", "short", "source-outputs"), "\n")
}

// record starts recording meas.monitor; stop ends it and returns the four channels.
func (a *acousticLab) record(name string) (stop func() [acChannels][]float64) {
	a.t.Helper()
	raw := filepath.Join(a.dir, name+".raw")
	before := a.recordings()
	end := bg(a.t, a.env, fmt.Sprintf("exec parec --latency-msec=20 -d meas.monitor --format=s16le --rate=%d --channels=%d --channel-map=aux0,aux1,aux2,aux3 --raw > %s", acRate, acChannels, raw))
	for deadline := time.Now().Add(10 * time.Second); a.recordings() <= before; time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			a.t.Fatal("parec did not connect to the lab's PulseAudio within 10 s")
		}
	}
	return func() [acChannels][]float64 {
		end()
		b, err := os.ReadFile(raw)
		if err != nil {
			a.t.Fatal(err)
		}
		var ch [acChannels][]float64
		frames := len(b) / (2 * acChannels)
		for c := range ch {
			ch[c] = make([]float64, frames)
		}
		for i := range frames {
			for c := range ch {
				ch[c][i] = float64(int16(binary.LittleEndian.Uint16(b[2*(i*acChannels+c):]))) / 32768
			}
		}
		return ch
	}
}

// writeStereo writes raw s16le stereo at acRate.
func writeStereo(t *testing.T, file string, left, right []float64) {
	t.Helper()
	b := make([]byte, 4*max(len(left), len(right)))
	for i := range len(b) / 4 {
		var l, r float64
		if i < len(left) {
			l = left[i]
		}
		if i < len(right) {
			r = right[i]
		}
		binary.LittleEndian.PutUint16(b[4*i:], uint16(int16(l*32767)))
		binary.LittleEndian.PutUint16(b[4*i+2:], uint16(int16(r*32767)))
	}
	if err := os.WriteFile(file, b, 0o644); err != nil {
		t.Fatal(err)
	}
}

// acClicks is a track of n chirps, the first at first seconds, then one every period seconds.
func acClicks(n int, first, period, tail float64) []float64 {
	c := acChirp(clickLen, acRate, 300, 3000, 0.5)
	out := make([]float64, int((first+float64(n-1)*period+tail)*acRate))
	for k := range n {
		copy(out[int((first+float64(k)*period)*acRate):], c)
	}
	return out
}

// play plays a raw stereo stimulus into "stim" and waits for it to end.
func (a *acousticLab) play(file string) {
	a.t.Helper()
	cmd := exec.Command("pacat", "-p", "-d", "stim", "--latency-msec=20", "--format=s16le", fmt.Sprintf("--rate=%d", acRate), "--channels=2", "--raw", file)
	cmd.Env = append(os.Environ(), a.env...)
	if out, err := cmd.CombinedOutput(); err != nil {
		a.t.Fatalf("pacat: %v\n%s", err, out)
	}
}

// delaysMs measures each click of channel from in channel to, in milliseconds.
func delaysMs(ch [acChannels][]float64, from, to int) (ms []float64, missed int) {
	lags, missed := clickDelays(ch[from], ch[to], clickWin, acRate, 0.5) // up to 1 s
	for _, l := range lags {
		ms = append(ms, float64(l)*1000/acRate)
	}
	return ms, missed
}

// TestAcousticInstrument checks the delay instrument on a known delay: a click track on the
// left and the same track delayed 100 ms by sox on the right, played as one stream through the
// lab's sinks and recorded from meas.monitor, must measure 100 ms within 2 ms for every click.
// This validates the channel routing, the recording's alignment and the correlation, which the
// delay benchmark (.ci/bench/delay.sh) relies on; it asserts nothing about sipterm's timing.
func TestAcousticInstrument(t *testing.T) {
	needTools(t, "sox")
	l := lab(t)
	a := startAcousticLab(t, l)
	left := filepath.Join(a.dir, "left.raw")
	stim := filepath.Join(a.dir, "stim.raw")
	// Lead-in and tail leave room for a busy machine: parec's stream may start late, and stopping
	// it loses what it had not written yet; a missed click is a lost sample, not a wrong delay.
	writeStereo(t, left, acClicks(4, 0.6, 0.7, 0.8), nil)
	// the right channel is sox's own delay of the left
	sox := exec.Command("sox", "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "2", left,
		"-t", "raw", stim, "remix", "1", "1", "delay", "0", "0.1")
	if out, err := sox.CombinedOutput(); err != nil {
		t.Fatalf("sox: %v\n%s", err, out)
	}
	stop := a.record("instrument")
	a.play(stim)
	time.Sleep(time.Second)
	ch := stop()
	ms, missed := delaysMs(ch, 0, 2)
	t.Logf("measured %v ms (missed %d); peaks %.3f %.3f %.3f %.3f", ms, missed, acPeak(ch[0]), acPeak(ch[1]), acPeak(ch[2]), acPeak(ch[3]))
	if missed != 0 || len(ms) != 4 {
		t.Fatalf("measured %d clicks and missed %d, want all 4", len(ms), missed)
	}
	for _, m := range ms {
		if m < 98 || m > 102 {
			t.Errorf("measured %.2f ms, want 100 ± 2", m)
		}
	}
}

func acPeak(x []float64) float64 {
	var p float64
	for _, v := range x {
		p = max(p, v, -v)
	}
	return p
}
