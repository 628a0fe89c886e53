package media

import (
	"math"
	"sync"
)

// A local conference: every leg (one call's Session) sends the sum of our microphone and what
// every other leg received, never its own peer's audio (mix-minus), so each remote hears the
// others and us. What we hear needs no mixing here: every leg plays its own peer on its own
// device stream and the audio device mixes the streams.
//
// Legs exchange decoded frames through small queues, one per (receiver, source) pair: a leg's
// tick publishes the frame it just played into every other leg's queue, and takes one frame
// from each of its own queues to mix into what it sends. The legs run on the same device
// clock, so each queue holds about one frame; mixQueueFrames absorbs the order of the ticks
// changing, and a full queue drops its oldest frame (latency stays bounded).

// mixQueueFrames is how many 20 ms frames a leg may be behind another (80 ms).
const mixQueueFrames = 4

// Mixer joins legs into one conference. The zero value is not usable; use NewMixer.
type Mixer struct {
	mu   sync.Mutex
	legs map[*MixLeg]struct{}
}

// MixLeg is one call's place in a Mixer. Its methods are called from that call's send loop.
type MixLeg struct {
	m  *Mixer
	in map[*MixLeg]*frameQueue // frames from each other leg, for this leg's sender; guarded by m.mu
}

type frameQueue struct {
	frames [mixQueueFrames][frameSamples]int16
	head   int // index of the oldest frame
	n      int
}

// NewMixer creates an empty conference.
func NewMixer() *Mixer { return &Mixer{legs: make(map[*MixLeg]struct{})} }

// Join adds a leg; hand it to the leg's Session with SetMixLeg.
func (m *Mixer) Join() *MixLeg {
	m.mu.Lock()
	defer m.mu.Unlock()
	leg := &MixLeg{m: m, in: make(map[*MixLeg]*frameQueue)}
	for other := range m.legs {
		other.in[leg] = &frameQueue{}
		leg.in[other] = &frameQueue{}
	}
	m.legs[leg] = struct{}{}
	return leg
}

// Leave removes the leg; the others stop hearing it at once.
func (l *MixLeg) Leave() {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	delete(l.m.legs, l)
	for other := range l.m.legs {
		delete(other.in, l)
	}
	clear(l.in)
}

// Len is the number of legs.
func (m *Mixer) Len() int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return len(m.legs)
}

// Publish hands the frame this leg's peer just played to every other leg.
func (l *MixLeg) Publish(frame []int16) {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if _, ok := l.m.legs[l]; !ok {
		return
	}
	for other := range l.m.legs {
		if other == l {
			continue
		}
		q := other.in[l]
		if q.n == mixQueueFrames { // the receiver is behind: drop its oldest frame
			q.head = (q.head + 1) % mixQueueFrames
			q.n--
		}
		copy(q.frames[(q.head+q.n)%mixQueueFrames][:], frame)
		q.n++
	}
}

// MixInto adds one pending frame of every other leg to frame (our microphone, about to be sent
// to this leg's peer), saturating. A leg with nothing pending adds silence.
func (l *MixLeg) MixInto(frame []int16) {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	for _, q := range l.in {
		if q.n == 0 {
			continue
		}
		addSaturating(frame, q.frames[q.head][:])
		q.head = (q.head + 1) % mixQueueFrames
		q.n--
	}
}

// MixMinus writes to out the sum of mic and every frame of legs except legs[self] (self < 0:
// all of them), saturated to the int16 range: what leg self's peer must hear.
func MixMinus(out, mic []int16, legs [][]int16, self int) {
	copy(out, mic)
	for i, f := range legs {
		if i != self {
			addSaturating(out, f)
		}
	}
}

// addSaturating adds src to dst sample by sample, clipping at the int16 range instead of
// wrapping (a wrap is a loud click; a clip is a mild distortion).
func addSaturating(dst, src []int16) {
	for i := range min(len(dst), len(src)) {
		v := int32(dst[i]) + int32(src[i])
		switch {
		case v > math.MaxInt16:
			v = math.MaxInt16
		case v < math.MinInt16:
			v = math.MinInt16
		}
		dst[i] = int16(v)
	}
}

// SetMixLeg puts the session into a conference (nil takes it out).
func (s *Session) SetMixLeg(l *MixLeg) {
	s.mu.Lock()
	s.mix = l
	s.mu.Unlock()
}

// SetDetached takes the microphone and speaker away from the call (silence both ways) while
// another call has them, or gives them back.
func (s *Session) SetDetached(on bool) {
	s.mu.Lock()
	s.detached = on
	s.mu.Unlock()
}

// Detached reports whether SetDetached took the microphone and speaker away.
func (s *Session) Detached() bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.detached
}
