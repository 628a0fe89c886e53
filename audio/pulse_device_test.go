package audio

import (
	"math"
	"slices"
	"strings"
	"testing"
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
			frame := make([]int16, FrameSamples)
			var got []int16
			for i := range 150 {
				if err := s.Read(frame); err != nil {
					t.Fatal(err)
				}
				got = append(got, frame...)
				if err := s.Write(tone[i*FrameSamples : (i+1)*FrameSamples]); err != nil {
					t.Fatal(err)
				}
			}
			for range 10 { // let the queues play out before stopping
				if err := s.Read(frame); err != nil {
					t.Fatal(err)
				}
			}
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
