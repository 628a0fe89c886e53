package media

import (
	"math"
	"math/rand/v2"
)

// comfortNoise plays RFC 3389 comfort noise: after a CN packet, frames the jitter buffer has no
// audio for get noise at the signalled level until speech returns. Guarded by Session.mu.
type comfortNoise struct {
	active bool
	rms    float64
	rng    *rand.PCG
}

// start takes a CN payload: its first byte is the noise level in -dBov (0..127); the spectral
// coefficients after it are not modelled (white noise at the right level is what matters).
func (n *comfortNoise) start(payload []byte) {
	if len(payload) == 0 {
		return
	}
	level := float64(payload[0] & 0x7f)
	n.rms = math.MaxInt16 / math.Sqrt2 * math.Pow(10, -level/20)
	n.active = true
	if n.rng == nil {
		n.rng = rand.NewPCG(1, 2)
	}
}

func (n *comfortNoise) stop() { n.active = false }

// play fills frame with noise when CN is on and the jitter buffer had no audio for it.
func (n *comfortNoise) play(frame []int16, kind frameKind, _ int) {
	if !n.active || kind == frameAudio {
		return
	}
	r := rand.New(n.rng)
	for i := range frame {
		v := r.NormFloat64() * n.rms
		frame[i] = int16(max(min(v, math.MaxInt16), math.MinInt16))
	}
}
