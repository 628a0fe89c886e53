package audio

import (
	"fmt"
	"github.com/sipterm/sipterm/assets"
	"time"
)

// ToneSegment is one step of a tone's cadence: the frequencies that sound together for
// Duration. No frequencies is a pause.
type ToneSegment struct {
	Freqs    []float64 // Hz, at most MaxToneFreqs; empty: silence
	Duration time.Duration
}

// MaxToneFreqs is how many frequencies a segment may mix.
const MaxToneFreqs = 4

// TonePlan is a tone as data: a cadence of segments at a level, played once or repeated.
type TonePlan struct {
	Name string
	// Level is the peak level of each frequency component in dBFS (0 = a full-scale sine).
	Level    float64
	Segments []ToneSegment
	// Repeat loops the segments until the player stops; otherwise the tone ends after them.
	Repeat bool
}

// Validate reports a plan the generator cannot play.
func (p TonePlan) Validate() error {
	if len(p.Segments) == 0 {
		return fmt.Errorf("tone %q has no segments", p.Name)
	}
	samples := 0 // as the generator counts them: a plan of sub-sample segments would never advance
	for i, s := range p.Segments {
		if len(s.Freqs) > MaxToneFreqs {
			return fmt.Errorf("tone %q segment %d mixes %d frequencies (at most %d)", p.Name, i, len(s.Freqs), MaxToneFreqs)
		}
		for _, f := range s.Freqs {
			if f <= 0 || f >= SampleRate/2 {
				return fmt.Errorf("tone %q segment %d: %.1f Hz is outside 0..%d Hz", p.Name, i, f, SampleRate/2)
			}
		}
		if s.Duration < 0 {
			return fmt.Errorf("tone %q segment %d has a negative duration", p.Name, i)
		}
		samples += int(s.Duration * SampleRate / time.Second)
	}
	if samples == 0 {
		return fmt.Errorf("tone %q lasts less than a sample", p.Name)
	}
	return nil
}

// Period is the length of one pass through the segments.
func (p TonePlan) Period() time.Duration {
	var total time.Duration
	for _, s := range p.Segments {
		total += s.Duration
	}
	return total
}

// The call-progress tones are data: assets/tones.toml (ETSI/CEPT values), loaded once here.
var (
	// Tones are the tone plans by name, as assets/tones.toml has them.
	Tones = mustLoadTones(assets.TonePlans)

	DialTone        = Tones["dial"]         // continuous 425 Hz
	RingbackTone    = Tones["ringback"]     // the far end is ringing
	BusyTone        = Tones["busy"]         // the far end is busy
	CongestionTone  = Tones["congestion"]   // the network cannot complete the call
	CallWaitingTone = Tones["call-waiting"] // a second call rings during one
	RingTone        = Tones["ring"]         // the local ring of an incoming call
)

// DTMF row (low) and column (high) frequencies, ITU-T Q.23.
var (
	dtmfRows = [4]float64{697, 770, 852, 941}
	dtmfCols = [4]float64{1209, 1336, 1477, 1633}
	dtmfKeys = [4]string{"123A", "456B", "789C", "*0#D"}
)

// DTMFFreqs are the low and high frequencies of a DTMF digit (0-9, *, #, A-D).
func DTMFFreqs(digit rune) (low, high float64, ok bool) {
	if digit >= 'a' && digit <= 'd' {
		digit -= 'a' - 'A'
	}
	for r, keys := range dtmfKeys {
		for c, k := range keys {
			if k == digit {
				return dtmfRows[r], dtmfCols[c], true
			}
		}
	}
	return 0, 0, false
}

// DTMFFeedbackDuration is how long a key's feedback tone sounds.
const DTMFFeedbackDuration = 120 * time.Millisecond

// DTMFTone is the local feedback for pressing digit: its two frequencies for
// DTMFFeedbackDuration, once.
func DTMFTone(digit rune) (TonePlan, error) {
	low, high, ok := DTMFFreqs(digit)
	if !ok {
		return TonePlan{}, fmt.Errorf("%q is not a DTMF digit (0-9, *, #, A-D)", digit)
	}
	return TonePlan{Name: "dtmf " + string(digit), Level: -16,
		Segments: []ToneSegment{{Freqs: []float64{low, high}, Duration: DTMFFeedbackDuration}}}, nil
}
