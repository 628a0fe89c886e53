package main

import (
	"math/rand/v2"
	"testing"
)

// TestBestLagFindsKnownDelay: a chirp delayed by N samples (with noise, a level change and
// another click elsewhere) is found at N.
func TestBestLagFindsKnownDelay(t *testing.T) {
	const rate = 8000
	click := acChirp(400, rate, 300, 3000, 0.5)
	tests := []struct {
		name  string
		delay int
		gain  float64
		noise float64
	}{
		{"none", 0, 1, 0},
		{"one sample", 1, 1, 0},
		{"100 ms", 800, 1, 0},
		{"quieter, noisy", 537, 0.3, 0.02},
		{"louder, at the edge", 2000, 1.8, 0.01},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, uint64(tt.delay)))
			stim := make([]float64, 8000)
			resp := make([]float64, 8000)
			copy(stim[1000:], click)
			for i, v := range click {
				resp[1000+tt.delay+i] += tt.gain * v
			}
			copy(resp[200:], click[:100]) // something else, before the click
			for i := range resp {
				resp[i] += tt.noise * rng.NormFloat64()
			}
			lags, missed := clickDelays(stim, resp, 600, 2000, 0.5)
			if missed != 0 || len(lags) != 1 || lags[0] != tt.delay {
				t.Fatalf("lags %v (missed %d), want [%d]", lags, missed, tt.delay)
			}
		})
	}
}

// TestClickDelaysMissing: a click that never arrives is missed, not measured.
func TestClickDelaysMissing(t *testing.T) {
	click := acChirp(400, 8000, 300, 3000, 0.5)
	stim := make([]float64, 12000)
	resp := make([]float64, 12000)
	copy(stim[1000:], click)
	copy(stim[6000:], click)
	copy(resp[1400:], click) // only the first arrives, 400 samples late
	lags, missed := clickDelays(stim, resp, 600, 3000, 0.5)
	if len(lags) != 1 || lags[0] != 400 || missed != 1 {
		t.Fatalf("lags %v missed %d, want [400] and 1 missed", lags, missed)
	}
}

func TestOnsetsAndMedian(t *testing.T) {
	ch := make([]float64, 100)
	ch[10], ch[12], ch[60] = 0.5, -0.5, 0.2
	if got := acOnsets(ch, 0.05, 20); len(got) != 2 || got[0] != 10 || got[1] != 60 {
		t.Fatalf("onsets %v, want [10 60]", got)
	}
	for _, tt := range []struct {
		in   []float64
		want float64
	}{{nil, 0}, {[]float64{3}, 3}, {[]float64{5, 1, 3}, 3}, {[]float64{4, 1, 3, 2}, 2.5}} {
		if got := acMedian(tt.in); got != tt.want {
			t.Errorf("acMedian(%v) = %v, want %v", tt.in, got, tt.want)
		}
	}
}
