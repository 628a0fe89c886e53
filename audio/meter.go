package audio

import (
	"math"
	"sync/atomic"
)

// MinDBFS is the level reported for silence (and the floor of every level here).
const MinDBFS = -96.0

// DBFS is the RMS level of frame in dB relative to full scale, where a full-scale square wave
// is 0 dBFS and a full-scale sine about -3 dBFS. Silence gives MinDBFS.
func DBFS(frame []int16) float64 {
	if len(frame) == 0 {
		return MinDBFS
	}
	var sum int64
	for _, v := range frame {
		sum += int64(v) * int64(v)
	}
	return toDB(math.Sqrt(float64(sum)/float64(len(frame))) / 32768)
}

// PeakDBFS is the largest sample magnitude of frame in dB relative to full scale.
func PeakDBFS(frame []int16) float64 {
	peak := 0
	for _, v := range frame {
		peak = max(peak, int(v), -int(v))
	}
	return toDB(float64(peak) / 32768)
}

func toDB(ratio float64) float64 {
	if ratio <= 0 {
		return MinDBFS
	}
	return max(MinDBFS, 20*math.Log10(ratio))
}

// DefaultMeterDecay is how fast a Meter's reading falls, in dB per second (a VU-like fall).
const DefaultMeterDecay = 20.0

// Meter is a level meter with instant attack and a steady fall: the media goroutine calls
// Update with every frame, the UI reads Level and Peak from any goroutine. It allocates
// nothing; the zero value falls at DefaultMeterDecay.
type Meter struct {
	Decay float64 // dB per second; 0 means DefaultMeterDecay. Set before first use.
	level atomic.Uint64
	peak  atomic.Uint64
	init  atomic.Bool
}

// Update feeds one frame (FrameDuration long) and returns the new RMS level.
func (m *Meter) Update(frame []int16) float64 {
	decay := m.Decay
	if decay == 0 {
		decay = DefaultMeterDecay
	}
	fall := decay * FrameDuration.Seconds()
	level := m.fall(&m.level, DBFS(frame), fall)
	m.fall(&m.peak, PeakDBFS(frame), fall)
	m.init.Store(true)
	return level
}

// fall stores max(now, previous-fall) in v and returns it.
func (m *Meter) fall(v *atomic.Uint64, now, fall float64) float64 {
	prev := MinDBFS
	if m.init.Load() {
		prev = math.Float64frombits(v.Load())
	}
	l := max(now, prev-fall, MinDBFS)
	v.Store(math.Float64bits(l))
	return l
}

// Level is the falling RMS level in dBFS.
func (m *Meter) Level() float64 { return m.load(&m.level) }

// Peak is the falling sample peak in dBFS.
func (m *Meter) Peak() float64 { return m.load(&m.peak) }

func (m *Meter) load(v *atomic.Uint64) float64 {
	if !m.init.Load() {
		return MinDBFS
	}
	return math.Float64frombits(v.Load())
}

// Reset returns the meter to silence.
func (m *Meter) Reset() { m.init.Store(false) }
