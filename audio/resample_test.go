package audio

import (
	"fmt"
	"math"
	"testing"
)

// resampleStream runs in through r in blocks of block samples, as the device goroutine does.
func resampleStream(t *testing.T, r *Resampler, in []int16, block int) []int16 {
	t.Helper()
	var out []int16
	buf := make([]int16, r.MaxOut(block))
	for i := 0; i+block <= len(in); i += block {
		n := r.Process(in[i:i+block], buf)
		out = append(out, buf[:n]...)
	}
	return out
}

func TestResamplerKeepsToneAndLevel(t *testing.T) {
	tests := []struct {
		in, out int
		freq    float64
	}{
		{48000, 8000, 1000},
		{44100, 8000, 1000},
		{16000, 8000, 440},
		{8000, 48000, 1000},
		{8000, 44100, 1000},
		{8000, 16000, 3000},
		{8000, 8000, 1000},
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("%d to %d Hz, %.0f Hz tone", tt.in, tt.out, tt.freq), func(t *testing.T) {
			r, err := NewResampler(tt.in, tt.out)
			if err != nil {
				t.Fatal(err)
			}
			const amp = 10000
			got := resampleStream(t, r, sine(tt.in, tt.freq, amp, tt.in), tt.in/50) // 1 s in 20 ms blocks
			if len(got) != tt.out {
				t.Errorf("1 s gave %d samples, want %d", len(got), tt.out)
			}
			steady := got[len(got)/10:] // past the filter's start-up
			near(t, "frequency", zeroCrossingFreq(steady, tt.out), tt.freq, 1)
			near(t, "amplitude", goertzel(steady, tt.freq, tt.out), amp, amp*0.02)
		})
	}
}

func TestResamplerBlocksGiveWholeFrames(t *testing.T) {
	for _, rate := range []int{48000, 44100, 32000, 22050, 16000} {
		r, err := NewResampler(rate, SampleRate)
		if err != nil {
			t.Fatal(err)
		}
		buf := make([]int16, r.MaxOut(rate/50))
		for i := range 200 {
			if n := r.Process(make([]int16, rate/50), buf); n != FrameSamples {
				t.Errorf("%d Hz block %d gave %d samples, want %d", rate, i, n, FrameSamples)
				break
			}
		}
	}
}

// TestResamplerRejectsAliases: 48 kHz -> 8 kHz must filter out what lies above 4 kHz rather
// than fold it into the telephone band.
func TestResamplerRejectsAliases(t *testing.T) {
	for _, freq := range []float64{5000, 6000, 9000, 13000} {
		r, err := NewResampler(48000, 8000)
		if err != nil {
			t.Fatal(err)
		}
		got := resampleStream(t, r, sine(48000, freq, 20000, 48000), 960)
		steady := got[len(got)/10:]
		if level := DBFS(steady) - DBFS(sine(8000, 1000, 20000, 8000)); level > -50 {
			t.Errorf("%.0f Hz comes through at %.1f dB, want below -50 dB", freq, level)
		}
	}
}

func TestResampleWhole(t *testing.T) {
	in := sine(16000, 1000, 8000, 16000)
	got, err := Resample(in, 16000, 8000)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 8000 {
		t.Fatalf("%d samples, want 8000", len(got))
	}
	// No added delay: the result lines up with the tone sampled directly at 8 kHz.
	want := sine(8000, 1000, 8000, 8000)
	var diff float64
	for i := 100; i < 7900; i++ {
		diff = max(diff, math.Abs(float64(got[i])-float64(want[i])))
	}
	if diff > 200 {
		t.Errorf("resampled tone differs from the direct one by up to %.0f", diff)
	}
	if _, err := NewResampler(0, 8000); err == nil {
		t.Error("NewResampler(0, 8000) succeeded")
	}
}
