package audio

import (
	"fmt"
	"math"
	"time"
)

// Resampler quality: zero crossings of the sinc on each side at the lower of the two rates,
// the cutoff as a fraction of the lower Nyquist frequency, and the Kaiser window's beta. With
// these a 48 kHz -> 8 kHz conversion has a flat passband to 3.4 kHz and attenuates what would
// alias by more than 60 dB.
const (
	resampleZeroCrossings = 12
	resampleCutoff        = 0.9
	resampleKaiserBeta    = 7.0
	resampleMaxTable      = 1 << 21 // coefficients; bounds odd rate pairs (about 8 MB)
)

// Resampler converts 16-bit mono audio from one rate to another with a windowed-sinc
// (Kaiser) polyphase filter, in blocks, keeping state between them. The ratio is exact
// (rational), so every block of in samples yields in*out/in samples over time: a 20 ms block
// at any rate that divides into 50 blocks a second gives exactly 160 samples at 8 kHz.
// It allocates only when a block is larger than any before. It is not safe for concurrent use.
type Resampler struct {
	inRate, outRate int
	l, m            int       // outRate/inRate = l/m in lowest terms
	half            int       // taps on each side of the centre
	coef            []float32 // l phases of 2*half taps, phase-major
	buf             []float32 // input history, primed with 2*half-1 zeros
	i0, phase       int       // next output: window start in buf and filter phase
}

// NewResampler returns a resampler from inRate to outRate (Hz).
func NewResampler(inRate, outRate int) (*Resampler, error) {
	if inRate <= 0 || outRate <= 0 {
		return nil, fmt.Errorf("creating resampler: bad rates %d -> %d Hz", inRate, outRate)
	}
	g := gcd(inRate, outRate)
	r := &Resampler{inRate: inRate, outRate: outRate, l: outRate / g, m: inRate / g}
	fc := math.Min(1, float64(r.l)/float64(r.m)) // cutoff in cycles per input sample, times 2
	r.half = int(math.Ceil(resampleZeroCrossings / fc))
	if r.l == r.m {
		r.half = 1
	}
	taps := 2 * r.half
	if r.l*taps > resampleMaxTable {
		return nil, fmt.Errorf("creating resampler %d -> %d Hz: ratio %d/%d needs too large a filter", inRate, outRate, r.l, r.m)
	}
	r.coef = make([]float32, r.l*taps)
	for p := range r.l {
		r.fillPhase(r.coef[p*taps:(p+1)*taps], float64(p)/float64(r.l), fc*resampleCutoff)
	}
	r.buf = make([]float32, taps-1, taps-1+4096)
	return r, nil
}

// fillPhase computes the taps for a centre frac input samples past a sample point and
// normalises them to unity gain at DC.
func (r *Resampler) fillPhase(c []float32, frac, fc float64) {
	if r.l == r.m { // same rate: a pure one-sample delay line
		c[0], c[1] = 0, 1
		return
	}
	sum := 0.0
	h := make([]float64, len(c))
	for j := range c {
		x := float64(j-r.half+1) - frac
		h[j] = fc * sinc(fc*x) * kaiser(x/float64(r.half), resampleKaiserBeta)
		sum += h[j]
	}
	for j := range c {
		c[j] = float32(h[j] / sum)
	}
}

// InRate and OutRate are the rates the resampler converts between.
func (r *Resampler) InRate() int  { return r.inRate }
func (r *Resampler) OutRate() int { return r.outRate }

// MaxOut is the most samples Process can produce from n input samples.
func (r *Resampler) MaxOut(n int) int { return (n*r.l+r.m-1)/r.m + 1 }

// Delay is the filter's delay: output lags input by this much.
func (r *Resampler) Delay() time.Duration {
	if r.l == r.m {
		return 0
	}
	return time.Duration(r.half) * time.Second / time.Duration(r.inRate)
}

// Process resamples in and writes the result to out, returning how many samples it wrote.
// Output that does not fit in out stays pending for the next call.
func (r *Resampler) Process(in, out []int16) int {
	start := len(r.buf)
	if cap(r.buf) < start+len(in) {
		nb := make([]float32, start, 2*(start+len(in)))
		copy(nb, r.buf)
		r.buf = nb
	}
	r.buf = r.buf[:start+len(in)]
	for i, v := range in {
		r.buf[start+i] = float32(v)
	}
	taps := 2 * r.half
	step, stepFrac := r.m/r.l, r.m%r.l
	n := 0
	for n < len(out) && r.i0+taps <= len(r.buf) {
		c := r.coef[r.phase*taps : (r.phase+1)*taps]
		w := r.buf[r.i0 : r.i0+taps]
		var acc float32
		for j, v := range w {
			acc += v * c[j]
		}
		out[n] = clip16(math.Round(float64(acc)))
		n++
		r.i0 += step
		r.phase += stepFrac
		if r.phase >= r.l {
			r.phase -= r.l
			r.i0++
		}
	}
	if k := min(r.i0, len(r.buf)); k > 0 { // drop input no window needs any more
		copy(r.buf, r.buf[k:])
		r.buf = r.buf[:len(r.buf)-k]
		r.i0 -= k
	}
	return n
}

// Reset forgets all history, as if the resampler were new.
func (r *Resampler) Reset() {
	r.buf = r.buf[:2*r.half-1]
	clear(r.buf)
	r.i0, r.phase = 0, 0
}

// Resample converts a whole signal from inRate to outRate; the result has
// len(in)*outRate/inRate samples (rounded up) and no added delay at the end.
func Resample(in []int16, inRate, outRate int) ([]int16, error) {
	if inRate == outRate {
		return append([]int16(nil), in...), nil
	}
	r, err := NewResampler(inRate, outRate)
	if err != nil {
		return nil, err
	}
	want := (len(in)*r.l + r.m - 1) / r.m
	skip := int(math.Round(float64(r.half*r.l) / float64(r.m))) // the filter's delay, in output samples
	out := make([]int16, r.MaxOut(len(in)+2*r.half))
	n := r.Process(in, out)
	n += r.Process(make([]int16, 2*r.half), out[n:]) // flush the filter's tail
	return out[min(skip, n):min(skip+want, n)], nil
}

func gcd(a, b int) int {
	for b != 0 {
		a, b = b, a%b
	}
	return a
}

func sinc(x float64) float64 {
	if x == 0 {
		return 1
	}
	return math.Sin(math.Pi*x) / (math.Pi * x)
}

// kaiser is the Kaiser window at u in [-1, 1].
func kaiser(u, beta float64) float64 {
	if u < -1 || u > 1 {
		return 0
	}
	return besselI0(beta*math.Sqrt(1-u*u)) / besselI0(beta)
}

// besselI0 is the modified Bessel function of the first kind, order 0 (power series).
func besselI0(x float64) float64 {
	sum, term := 1.0, 1.0
	for k := 1; k < 50; k++ {
		term *= (x / (2 * float64(k))) * (x / (2 * float64(k)))
		sum += term
		if term < 1e-12*sum {
			break
		}
	}
	return sum
}
