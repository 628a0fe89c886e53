package audio

import (
	"fmt"
	"math"
	"slices"
	"testing"
)

// The wideband tests play and capture 6 kHz, which an 8 kHz path cannot carry (its Nyquist
// frequency is 4 kHz): the tone arriving at its level proves the stream was never narrowed.
const (
	wideHz  = 6000
	wideAmp = 8000
)

// TestPortAudioWidebandPlayback writes 6 kHz into a stream opened at a codec's rate (Opus's 48
// kHz, G.722's 16 kHz) and records the lab's speaker monitor at 48 kHz: the tone is there at
// its level, and next to nothing at 2 kHz (where 6 kHz would fold to through 8 kHz).
func TestPortAudioWidebandPlayback(t *testing.T) {
	for _, rate := range []int{48000, 16000} {
		t.Run(fmt.Sprintf("%d Hz stream", rate), func(t *testing.T) {
			startPulse(t)
			feed := startBackground(t, "pacat -p -d lab_mic --latency-msec=20 --format=s16le --rate=48000 --channels=1 </dev/zero")
			rec := startBackground(t, "parec -d lab_speaker.monitor --latency-msec=20 --format=s16le --rate=48000 --channels=1")
			waitPulseStreams(t, 1, 1)
			prioritiseLab(feed.pid(), rec.pid())
			d := openQuietly(t, Options{})
			s, err := d.OpenRate(rate)
			if err != nil {
				t.Fatal(err)
			}
			n := FrameSamplesAt(rate)
			const frames = 100                            // 2 s
			tone := sine(frames*n, wideHz, wideAmp, rate) // 120 cycles a frame: frames join smoothly
			frame := make([]int16, n)
			for i := range frames {
				if err := s.Read(frame); err != nil {
					t.Fatal(err)
				}
				if err := s.Write(tone[i*n : (i+1)*n]); err != nil {
					t.Fatal(err)
				}
			}
			for range 10 { // let the queues play out
				if err := s.Read(frame); err != nil {
					t.Fatal(err)
				}
			}
			st := d.Stats()
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			got := activeSpan(pcm8k(rec.stop()), wideAmp/4)
			t.Logf("device at %d Hz; %d samples of tone recorded; stats %+v", d.Rate(), len(got), st)
			at6k, at2k := bandsOf(t, got, 48000, 10)
			t.Logf("median amplitude of 100 ms blocks: %.0f at 6 kHz, %.0f at 2 kHz", at6k, at2k)
			near(t, "median amplitude at 6 kHz", at6k, wideAmp, wideAmp*0.1)
			if at2k > wideAmp/100 {
				t.Errorf("median amplitude at 2 kHz = %.0f, want under 1 %% of the tone's", at2k)
			}
		})
	}
}

// TestPortAudioWidebandCapture plays 6 kHz into the lab's microphone and reads it from streams
// at 16 and 48 kHz, open at the same time (two calls on one device), each at its own rate.
func TestPortAudioWidebandCapture(t *testing.T) {
	startPulse(t)
	needTool(t, "sox")
	rec := startBackground(t, "parec -d lab_speaker.monitor --latency-msec=20 >/dev/null")
	feed := startBackground(t, fmt.Sprintf("sox -q -n -t raw -r 48000 -e signed -b 16 -c 1 - synth 20 sine %d vol %.4f | "+
		"pacat -p -d lab_mic --latency-msec=20 --format=s16le --rate=48000 --channels=1", wideHz, float64(wideAmp)/32767))
	waitPulseStreams(t, 1, 1)
	prioritiseLab(feed.pid(), rec.pid())
	d := openQuietly(t, Options{})
	rates := []int{16000, 48000}
	got := make([][]int16, len(rates))
	errs := make(chan error, len(rates))
	for i, rate := range rates {
		s, err := d.OpenRate(rate)
		if err != nil {
			t.Fatal(err)
		}
		go func() { // each call reads on its own goroutine, as the media layer does
			frame := make([]int16, FrameSamplesAt(rate))
			for range 100 {
				if err := s.Read(frame); err != nil {
					errs <- err
					return
				}
				got[i] = append(got[i], frame...)
			}
			errs <- s.Close()
		}()
	}
	for range rates {
		if err := <-errs; err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("device at %d Hz; stats %+v", d.Rate(), d.Stats())
	for i, rate := range rates {
		at6k, at2k := bandsOf(t, got[i], rate, 5)
		t.Logf("%d Hz stream: median amplitude of 100 ms blocks %.0f at 6 kHz, %.0f at 2 kHz", rate, at6k, at2k)
		near(t, fmt.Sprintf("%d Hz stream: median amplitude at 6 kHz", rate), at6k, wideAmp, wideAmp*0.1)
		if at2k > wideAmp/100 {
			t.Errorf("%d Hz stream: median amplitude at 2 kHz = %.0f, want under 1 %% of the tone's", rate, at2k)
		}
	}
}

// bandsOf is the median amplitude at 6 kHz and at 2 kHz over the 100 ms blocks of s that carry
// sound (a busy machine may start the feeder late or stall it); it fails the test with fewer
// than want such blocks.
func bandsOf(t *testing.T, s []int16, rate, want int) (at6k, at2k float64) {
	t.Helper()
	var a6, a2 []float64
	block := rate / 10
	for b := 0; b+block <= len(s); b += block {
		x := s[b : b+block]
		if rms(x) < wideAmp/math.Sqrt2/2 {
			continue
		}
		a6 = append(a6, goertzel(x, wideHz, rate))
		a2 = append(a2, goertzel(x, 2000, rate))
	}
	if len(a6) < want {
		t.Fatalf("only %d blocks of 100 ms carry sound, want at least %d", len(a6), want)
	}
	slices.Sort(a6)
	slices.Sort(a2)
	return a6[len(a6)/2], a2[len(a2)/2]
}
