package audio

import (
	"math"
	"slices"
	"testing"
)

func TestDBFS(t *testing.T) {
	tests := []struct {
		name      string
		frame     []int16
		rms, peak float64
	}{
		{"silence", make([]int16, FrameSamples), MinDBFS, MinDBFS},
		{"full-scale square", square(32767), 0, 0},
		{"half-scale square", square(16384), -6.02, -6.02},
		{"full-scale sine", sine(FrameSamples, 1000, 32767, SampleRate), -3.01, 0},
		{"sine at -20 dBFS", sine(FrameSamples, 1000, 3277, SampleRate), -23.01, -20},
		{"one LSB", slices.Repeat([]int16{1}, FrameSamples), -90.31, -90.31},
		{"empty", nil, MinDBFS, MinDBFS},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			near(t, "DBFS", DBFS(tt.frame), tt.rms, 0.05)
			near(t, "PeakDBFS", PeakDBFS(tt.frame), tt.peak, 0.05)
		})
	}
}

// square is a frame alternating between +a and -a.
func square(a int16) []int16 {
	f := make([]int16, FrameSamples)
	for i := range f {
		f[i] = a
		if i%2 == 1 {
			f[i] = -a
		}
	}
	return f
}

func TestMeterAttackAndDecay(t *testing.T) {
	var m Meter
	if m.Level() != MinDBFS || m.Peak() != MinDBFS {
		t.Fatalf("new meter reads %.1f / %.1f, want silence", m.Level(), m.Peak())
	}
	loud := sine(FrameSamples, 1000, 32767, SampleRate)
	quiet := make([]int16, FrameSamples)
	near(t, "level after a loud frame", m.Update(loud), -3.01, 0.05)
	near(t, "peak after a loud frame", m.Peak(), 0, 0.05)
	for range 50 { // one second of silence: falls DefaultMeterDecay dB
		m.Update(quiet)
	}
	near(t, "level after 1 s of silence", m.Level(), -3.01-DefaultMeterDecay, 0.05)
	near(t, "peak after 1 s of silence", m.Peak(), -DefaultMeterDecay, 0.05)
	for range 500 {
		m.Update(quiet)
	}
	if m.Level() != MinDBFS {
		t.Errorf("level after 11 s of silence = %.1f, want %.1f", m.Level(), MinDBFS)
	}
	m.Update(loud)
	m.Reset()
	if m.Level() != MinDBFS {
		t.Errorf("level after Reset = %.1f", m.Level())
	}
	fast := Meter{Decay: 60}
	fast.Update(loud)
	fast.Update(quiet)
	near(t, "fall of a 60 dB/s meter in one frame", fast.Level(), -3.01-1.2, 0.05)
	if math.IsNaN(fast.Peak()) {
		t.Error("peak is NaN")
	}
}
