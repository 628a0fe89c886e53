package media

import (
	"math"
	"slices"
	"sync"
	"testing"
)

func frameOf(v int16) []int16 {
	f := make([]int16, frameSamples)
	for i := range f {
		f[i] = v
	}
	return f
}

func TestMixMinus(t *testing.T) {
	tests := []struct {
		name string
		mic  int16
		legs []int16
		self int
		want int16
	}{
		{"mic only", 100, nil, -1, 100},
		{"two legs, leg 0 hears leg 1 and us", 100, []int16{1000, 2000}, 0, 2100},
		{"two legs, leg 1 hears leg 0 and us", 100, []int16{1000, 2000}, 1, 1100},
		{"three legs, own audio left out", 0, []int16{1, 10, 100}, 1, 101},
		{"all legs (self -1)", 5, []int16{1, 10, 100}, -1, 116},
		{"positive clip", 30000, []int16{0, 20000, 20000}, 0, math.MaxInt16},
		{"negative clip", -30000, []int16{-20000, -20000}, 5, math.MinInt16},
		{"own loud audio does not clip the others", 10, []int16{math.MaxInt16, 20}, 0, 30},
		{"opposite signs cancel", 1000, []int16{-1000, 0}, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			legs := make([][]int16, len(tt.legs))
			for i, v := range tt.legs {
				legs[i] = frameOf(v)
			}
			out := make([]int16, frameSamples)
			MixMinus(out, frameOf(tt.mic), legs, tt.self)
			if want := frameOf(tt.want); !slices.Equal(out, want) {
				t.Fatalf("got %d.., want %d", out[0], tt.want)
			}
		})
	}
}

// TestMixerLegs: what each leg sends is our microphone plus the others' frames, never its own.
func TestMixerLegs(t *testing.T) {
	m := NewMixer()
	a, b, c := m.Join(), m.Join(), m.Join()
	if m.Len() != 3 {
		t.Fatalf("Len = %d, want 3", m.Len())
	}
	a.Publish(frameOf(1))
	b.Publish(frameOf(10))
	c.Publish(frameOf(100))
	tests := []struct {
		name string
		leg  *MixLeg
		want int16
	}{
		{"a hears b and c", a, 1000 + 110},
		{"b hears a and c", b, 1000 + 101},
		{"c hears a and b", c, 1000 + 11},
	}
	for _, tt := range tests {
		mic := frameOf(1000)
		tt.leg.MixInto(mic)
		if mic[0] != tt.want || mic[frameSamples-1] != tt.want {
			t.Errorf("%s: sent %d, want %d", tt.name, mic[0], tt.want)
		}
	}
	// Every frame was taken once: the next tick adds nothing.
	mic := frameOf(7)
	a.MixInto(mic)
	if mic[0] != 7 {
		t.Errorf("a frame was mixed twice: %d", mic[0])
	}
	// A leg that left is heard no more, and hears nothing.
	c.Leave()
	c.Publish(frameOf(100))
	b.Publish(frameOf(10))
	mic = frameOf(0)
	a.MixInto(mic)
	if mic[0] != 10 {
		t.Errorf("after c left, a sent %d, want 10", mic[0])
	}
	mic = frameOf(0)
	c.MixInto(mic)
	if mic[0] != 0 {
		t.Errorf("c left but still hears %d", mic[0])
	}
}

// TestMixerQueueBounded: a leg that does not send keeps only the newest frames (bounded latency).
func TestMixerQueueBounded(t *testing.T) {
	m := NewMixer()
	a, b := m.Join(), m.Join()
	for i := range mixQueueFrames + 3 {
		a.Publish(frameOf(int16(i + 1)))
	}
	var got []int16
	for range mixQueueFrames + 1 {
		mic := frameOf(0)
		b.MixInto(mic)
		got = append(got, mic[0])
	}
	want := []int16{4, 5, 6, 7, 0}
	if !slices.Equal(got, want) {
		t.Fatalf("b sent %v, want %v", got, want)
	}
}

// TestMixerConcurrent runs legs on their own goroutines, as calls do (for -race).
func TestMixerConcurrent(t *testing.T) {
	m := NewMixer()
	legs := []*MixLeg{m.Join(), m.Join(), m.Join()}
	var wg sync.WaitGroup
	for i, l := range legs {
		wg.Go(func() {
			frame := frameOf(int16(i))
			for range 200 {
				mic := frameOf(0)
				l.MixInto(mic)
				l.Publish(frame)
			}
			if i == 0 {
				l.Leave()
			}
		})
	}
	wg.Wait()
	if m.Len() != 2 {
		t.Fatalf("Len = %d after one leg left, want 2", m.Len())
	}
}
