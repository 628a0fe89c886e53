package media

import (
	"math"
	"testing"
)

// toneAmp estimates the amplitude of freq in x (on a 5 Hz bin over 1600 samples).
func toneAmp(x []int16, freq float64) float64 {
	if len(x) == 0 {
		return 0
	}
	return 2 * math.Sqrt(goertzel(x, freq)) / float64(len(x))
}

// TestConferenceSessions: our two legs h1 (to r1, who says 500 Hz) and h2 (to r2, 1300 Hz)
// with our microphone at 900 Hz, joined by a Mixer: each remote hears us and the other remote,
// never itself; each of our legs plays its own remote. Detached, a leg sends and plays silence.
func TestConferenceSessions(t *testing.T) {
	p1 := newPair(t, PCMU, 900, 500)  // a = h1 (ours), b = r1
	p2 := newPair(t, PCMU, 900, 1300) // a = h2 (ours), b = r2
	m := NewMixer()
	p1.a.SetMixLeg(m.Join())
	p2.a.SetMixLeg(m.Join())

	const present, absent = 1000, 150
	hears := func(dev *fakeDevice, want, not []float64) func() bool {
		return func() bool {
			x := dev.played(1600)
			if len(x) < 1600 {
				return false
			}
			for _, f := range want {
				if toneAmp(x, f) < present {
					return false
				}
			}
			for _, f := range not {
				if toneAmp(x, f) > absent {
					return false
				}
			}
			return true
		}
	}
	tests := []struct {
		name      string
		dev       *fakeDevice
		want, not []float64
	}{
		{"r1 hears us and r2, not itself", p1.devB, []float64{900, 1300}, []float64{500}},
		{"r2 hears us and r1, not itself", p2.devB, []float64{900, 500}, []float64{1300}},
		{"h1 plays r1 only", p1.devA, []float64{500}, []float64{900, 1300}},
		{"h2 plays r2 only", p2.devA, []float64{1300}, []float64{900, 500}},
	}
	for _, tt := range tests {
		waitFor(t, tt.name, hears(tt.dev, tt.want, tt.not))
	}

	// Muted in a conference: the remotes still hear each other, not us.
	p1.a.SetMute(true)
	p2.a.SetMute(true)
	waitFor(t, "muted: r1 hears r2 only", hears(p1.devB, []float64{1300}, []float64{900, 500}))
	p1.a.SetMute(false)
	p2.a.SetMute(false)

	// Out of the conference and detached (another call is active): silence both ways.
	p1.a.SetMixLeg(nil)
	p1.a.SetDetached(true)
	waitFor(t, "detached: r1 hears nothing", func() bool { return dbfs(p1.devB.played(1600)) < -60 })
	waitFor(t, "detached: h1 plays nothing", func() bool { return dbfs(p1.devA.played(1600)) < -60 })
	if !p1.a.Detached() {
		t.Error("Detached() = false after SetDetached(true)")
	}
	p1.a.SetDetached(false)
	waitFor(t, "attached again: r1 hears us", hears(p1.devB, []float64{900}, []float64{1300}))
}
