package audio

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// openPulse opens the pulse device and closes it at cleanup.
func openPulse(t *testing.T, opts Options) *PortAudioDevice {
	t.Helper()
	d, err := NewPulseDevice(opts)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// TestPulsePlaybackAndCapture: one pulse device plays 1 kHz into the lab's speaker sink
// (whose monitor recording holds it at the level written) while it captures the 440 Hz fed
// into the lab's microphone, at the sink's rate and at a forced 16 kHz.
func TestPulsePlaybackAndCapture(t *testing.T) {
	for _, rate := range []int{0, 16000} {
		t.Run(map[int]string{0: "sink rate", 16000: "16 kHz"}[rate], func(t *testing.T) {
			startPulse(t)
			needTool(t, "sox")
			feed := startBackground(t, "sox -q -n -t raw -r 8000 -e signed -b 16 -c 1 - synth 20 sine 440 vol 0.25 | "+
				"pacat -p -d lab_mic --latency-msec=20 --format=s16le --rate=8000 --channels=1")
			rec := startBackground(t, "parec -d lab_speaker.monitor --latency-msec=20 --format=s16le --rate=8000 --channels=1")
			waitPulseStreams(t, 1, 1)
			prioritiseLab(feed.pid(), rec.pid())
			d := openPulse(t, Options{Kind: KindPulse, DeviceRate: rate})
			if rate != 0 && d.Rate() != rate {
				t.Fatalf("device opened at %d Hz, want %d", d.Rate(), rate)
			}
			if !strings.HasPrefix(d.Name(), "pulse: lab_mic.monitor / lab_speaker") {
				t.Errorf("name %q, want the lab's default source and sink", d.Name())
			}
			s, err := d.Open()
			if err != nil {
				t.Fatal(err)
			}
			const amp = 8000
			tone := sine(150*FrameSamples, 1000, amp, SampleRate)
			got := exchangeTone(t, s, tone)
			st := d.Stats()
			lat := d.Latency()
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			t.Logf("stats %+v; latency %+v", st, lat)
			checkTone(t, activeSpan(pcm8k(rec.stop()), amp/4), 1000, amp)

			var at440 []float64
			for b := 0; b+SampleRate/10 <= len(got); b += SampleRate / 10 {
				if block := got[b : b+SampleRate/10]; rms(block) >= 0.25*32767/math.Sqrt2/2 {
					at440 = append(at440, goertzel(block, 440, SampleRate))
				}
			}
			if len(at440) < 10 {
				t.Fatalf("only %d blocks of 100 ms captured with the tone, want at least 10", len(at440))
			}
			slices.Sort(at440)
			near(t, "median captured amplitude at 440 Hz", at440[len(at440)/2], 0.25*32767, 0.25*32767*0.05)
		})
	}
}

// TestPulseFallsBackWithoutServer: no server at PULSE_SERVER: the device fails with
// ErrNoDevice and the phone gets the null device with a notice that says why.
func TestPulseFallsBackWithoutServer(t *testing.T) {
	dir := t.TempDir()
	t.Setenv("PULSE_SERVER", "unix:"+filepath.Join(dir, "no-such-socket"))
	_, err := Open(Options{Kind: KindPulse})
	if !errors.Is(err, ErrNoDevice) || !strings.Contains(err.Error(), "connecting to PulseAudio") {
		t.Errorf("Open: %v, want ErrNoDevice saying it could not connect to PulseAudio", err)
	}
	d, notice := OpenOrFallback(Options{Kind: KindPulse})
	defer d.Close()
	if d.Name() != "null" || !strings.HasPrefix(notice, "no sound device: using null audio (") {
		t.Errorf("got %q with notice %q, want null with a notice", d.Name(), notice)
	}
}

// TestPulsePicksByName: audio_device picks a sink and a source by a piece of their name (a
// sink's monitor is no microphone); PULSE_SINK/PULSE_SOURCE are the defaults otherwise.
func TestPulsePicksByName(t *testing.T) {
	startPulse(t)
	tests := []struct {
		name, device, envSink, envSource string
		want                             string // the device's name; "" for ErrNoDevice
	}{
		{"server defaults", "", "", "", "pulse: lab_mic.monitor / lab_speaker"},
		{"env", "", "lab_mic", "lab_speaker.monitor", "pulse: lab_speaker.monitor / lab_mic"},
		{"sink by name, no real source: env's", "SPEAKER", "", "lab_speaker.monitor", "pulse: lab_speaker.monitor / lab_speaker"},
		{"sink by name over env", "lab_mic", "lab_speaker", "", "pulse: lab_mic.monitor / lab_mic"},
		{"no such device", "no such card", "", "", ""},
		{"no such sink in env", "", "nowhere", "", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("PULSE_SINK", tt.envSink)
			t.Setenv("PULSE_SOURCE", tt.envSource)
			d, err := NewPulseDevice(Options{DeviceName: tt.device})
			if tt.want == "" {
				if !errors.Is(err, ErrNoDevice) {
					t.Errorf("got %v, want ErrNoDevice", err)
				}
				if err == nil {
					_ = d.Close()
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if d.Name() != tt.want {
				t.Errorf("name %q, want %q", d.Name(), tt.want)
			}
		})
	}
}

// TestPulseSurvivesServerLoss: the server goes away mid-call; the stream goes on with
// silence, the loss is counted and told, and when the server is back the device reopens on a
// fresh connection and says so.
func TestPulseSurvivesServerLoss(t *testing.T) {
	lab := t.TempDir()
	stopServer := startPulseIn(t, lab)
	d := openPulse(t, Options{Kind: KindPulse})
	notices := recordNotices(d)
	s, err := d.Open()
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, FrameSamples)
	for range 25 {
		if err := s.Read(frame); err != nil {
			t.Fatal(err)
		}
	}
	stopServer()
	for i := range 150 { // past the 2 s watchdog
		if err := s.Read(frame); err != nil {
			t.Fatalf("Read %d after the server went away: %v", i, err)
		}
		if err := s.Write(frame); err != nil {
			t.Fatalf("Write %d after the server went away: %v", i, err)
		}
	}
	if st := d.Stats(); st.Errors == 0 {
		t.Errorf("no device errors counted after the server went away: %+v", st)
	}
	startPulseIn(t, lab)
	for i := 0; d.Stats().Reopens == 0; i++ {
		if i == 500 {
			t.Fatalf("device not reopened 10 s after the server came back: %+v", d.Stats())
		}
		if err := s.Read(frame); err != nil {
			t.Fatalf("Read after the server came back: %v", err)
		}
	}
	got := notices()
	t.Logf("notices:\n%s", got)
	if !strings.Contains(got, "warn: sound device lost") || !strings.Contains(got, "info: sound device back: pulse: ") {
		t.Errorf("notices %q, want a lost (warn) and a back (info) one", got)
	}
	if err := d.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
}

// TestPulseLadder: the pulse device's ladder has its own rungs, climbed as PortAudio's are.
func TestPulseLadder(t *testing.T) {
	l := ladder{rungs: pulseLadder}
	now := time.Unix(1000, 0)
	var got []time.Duration
	var xruns uint64
	for range 10 {
		got = append(got, l.latency())
		l.note(xruns, now) // opens the window
		xruns += ladderXruns
		l.note(xruns, now.Add(time.Second))
		now = now.Add(2 * time.Second)
	}
	if want := append(slices.Clone(pulseLadder), slices.Repeat(pulseLadder[len(pulseLadder)-1:], 10-len(pulseLadder))...); !slices.Equal(got, want) {
		t.Errorf("rungs %v, want %v", got, want)
	}
	if (&ladder{}).latency() != latencyLadder[0] {
		t.Error("a ladder without rungs does not use latencyLadder")
	}
}

// TestListPulseDevices: the lab's sinks are outputs, its sources (the sinks' monitors) inputs,
// the defaults marked.
func TestListPulseDevices(t *testing.T) {
	startPulse(t)
	devs, err := ListPulseDevices()
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, d := range devs {
		got = append(got, fmt.Sprintf("%s in=%d out=%d defin=%v defout=%v", d.Name, min(d.Inputs, 1), min(d.Outputs, 1), d.DefaultInput, d.DefaultOutput))
	}
	for _, want := range []string{
		"lab_speaker in=0 out=1 defin=false defout=true",
		"lab_mic in=0 out=1 defin=false defout=false",
		"lab_mic.monitor in=1 out=0 defin=true defout=false",
		"lab_speaker.monitor in=1 out=0 defin=false defout=false",
	} {
		if !slices.Contains(got, want) {
			t.Errorf("no %q in %q", want, got)
		}
	}
}
