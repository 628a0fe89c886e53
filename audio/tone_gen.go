package audio

import (
	"math"
	"time"
)

// sineTable is one cycle of a sine; the generator interpolates between entries, which keeps
// spurious tones below -90 dB.
var sineTable = func() (t [sineTableSize + 1]float32) {
	for i := range t {
		t[i] = float32(math.Sin(2 * math.Pi * float64(i) / sineTableSize))
	}
	return t
}()

const (
	sineTableBits = 10
	sineTableSize = 1 << sineTableBits
	// toneRamp is how many samples a tone burst fades in and out over (2 ms), so that the
	// cadence does not click.
	toneRamp = 16
)

// ToneGenerator renders a TonePlan into frames with phase accumulators: no allocation and no
// trigonometry per sample. It is not safe for concurrent use.
type ToneGenerator struct {
	plan  TonePlan
	amp   float64 // peak amplitude of each component
	seg   int     // current segment
	pos   int     // samples played of it
	n     int     // its length in samples
	steps [MaxToneFreqs]uint32
	phase [MaxToneFreqs]uint32
	done  bool
}

// NewToneGenerator returns a generator for plan; plan must pass Validate.
func NewToneGenerator(plan TonePlan) (*ToneGenerator, error) {
	if err := plan.Validate(); err != nil {
		return nil, err
	}
	g := &ToneGenerator{plan: plan, amp: 32767 * math.Pow(10, plan.Level/20)}
	g.enter(0)
	return g, nil
}

// enter starts segment i.
func (g *ToneGenerator) enter(i int) {
	g.seg, g.pos = i, 0
	g.n = int(g.plan.Segments[i].Duration * SampleRate / time.Second)
	for k, f := range g.plan.Segments[i].Freqs {
		g.steps[k] = uint32(f / SampleRate * (1 << 32))
		g.phase[k] = 0
	}
}

// Reset starts the plan again from its beginning.
func (g *ToneGenerator) Reset() {
	g.done = false
	g.enter(0)
}

// Fill writes the next len(frame) samples of the tone. It reports false once a plan that
// does not repeat has ended, from the frame that holds its last samples on (the rest of such
// a frame is silence).
func (g *ToneGenerator) Fill(frame []int16) bool {
	for i := 0; i < len(frame); {
		if g.done {
			clear(frame[i:])
			return false
		}
		if g.pos >= g.n {
			switch {
			case g.seg+1 < len(g.plan.Segments):
				g.enter(g.seg + 1)
			case g.plan.Repeat:
				g.enter(0)
			default:
				g.done = true
			}
			continue
		}
		k := min(len(frame)-i, g.n-g.pos)
		g.render(frame[i : i+k])
		i += k
	}
	if g.pos >= g.n && g.seg == len(g.plan.Segments)-1 && !g.plan.Repeat {
		g.done = true // the frame that holds the last samples already says so
	}
	return !g.done
}

// render writes samples of the current segment, which has room for all of them.
func (g *ToneGenerator) render(out []int16) {
	nf := len(g.plan.Segments[g.seg].Freqs)
	if nf == 0 {
		clear(out)
		g.pos += len(out)
		return
	}
	for i := range out {
		var v float32
		for k := range nf {
			p := g.phase[k]
			idx := p >> (32 - sineTableBits)
			frac := float32(p<<sineTableBits>>sineTableBits) / (1 << (32 - sineTableBits))
			a := sineTable[idx]
			v += a + (sineTable[idx+1]-a)*frac
			g.phase[k] = p + g.steps[k]
		}
		env := 1.0
		if edge := min(g.pos, g.n-1-g.pos); edge < toneRamp {
			env = float64(edge+1) / toneRamp
		}
		out[i] = clip16(math.Round(float64(v) * g.amp * env))
		g.pos++
	}
}
