package main

import (
	"math"
	"slices"
)

// The acoustic delay instrument: a stimulus channel (what entered one phone's microphone) and a
// response channel (what the other phone played), recorded together by one PulseAudio stream so
// that their samples share one clock; each click's delay is the lag of the response window that
// correlates best with the stimulus window.

// acBestLag returns the lag in [0, maxLag] at which sig[from+lag:] matches ref[from:from+n] best,
// by normalised cross-correlation, and that correlation (1 = the same shape, any level).
func acBestLag(ref, sig []float64, from, n, maxLag int) (lag int, corr float64) {
	if from < 0 || from+n > len(ref) {
		return -1, 0
	}
	win := ref[from : from+n]
	var ee float64
	for _, v := range win {
		ee += v * v
	}
	if ee == 0 {
		return -1, 0
	}
	lag, corr = -1, math.Inf(-1)
	for d := 0; d <= maxLag && from+d+n <= len(sig); d++ {
		var dot, ss float64
		for i, v := range win {
			s := sig[from+d+i]
			dot += v * s
			ss += s * s
		}
		if ss == 0 {
			continue
		}
		if c := dot / math.Sqrt(ee*ss); c > corr {
			lag, corr = d, c
		}
	}
	if lag < 0 {
		return -1, 0
	}
	return lag, corr
}

// acOnsets finds where clicks start in a stimulus channel: a sample above threshold after at
// least gap quiet samples.
func acOnsets(ch []float64, threshold float64, gap int) []int {
	var at []int
	quiet := gap
	for i, v := range ch {
		if math.Abs(v) < threshold {
			quiet++
			continue
		}
		if quiet >= gap {
			at = append(at, i)
		}
		quiet = 0
	}
	return at
}

// clickDelays measures every click of stim in resp: the window starts a little before the onset
// (so the whole click is in it) and is n samples long; clicks whose best correlation is below
// minCorr (lost, clipped or drowned) are left out and counted.
func clickDelays(stim, resp []float64, n, maxLag int, minCorr float64) (lags []int, missed int) {
	const pre = 16
	for _, at := range acOnsets(stim, 0.05, n) {
		lag, c := acBestLag(stim, resp, max(at-pre, 0), n, maxLag)
		if lag < 0 || c < minCorr {
			missed++
			continue
		}
		lags = append(lags, lag)
	}
	return lags, missed
}

// acMedian of xs (0 for none).
func acMedian(xs []float64) float64 {
	if len(xs) == 0 {
		return 0
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// acChirp is a linear sweep from f0 to f1 Hz over n samples at rate, with amplitude amp.
func acChirp(n, rate int, f0, f1, amp float64) []float64 {
	out := make([]float64, n)
	dur := float64(n) / float64(rate)
	for i := range out {
		t := float64(i) / float64(rate)
		out[i] = amp * math.Sin(2*math.Pi*(f0*t+(f1-f0)*t*t/(2*dur)))
	}
	return out
}
