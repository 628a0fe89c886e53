package phone

import (
	"math"
	"sync"
	"testing"
	"time"

	"github.com/sipterm/sipterm/audio"
)

// toneSpy is a Device whose streams tell which tone frequencies were played on it.
type toneSpy struct {
	null *audio.NullDevice
	mu   sync.Mutex
	hz   map[int]int // frequency -> frames in which it was loud, on streams opened since reset
	gen  int
}

func (d *toneSpy) Name() string { return "spy" }
func (d *toneSpy) Close() error { return d.null.Close() }
func (d *toneSpy) Open() (audio.Stream, error) {
	s, err := d.null.Open()
	if err != nil {
		return nil, err
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	return &spyStream{Stream: s, d: d, gen: d.gen}, nil
}

func (d *toneSpy) frames(hz int) int {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.hz[hz]
}

func (d *toneSpy) reset() {
	d.mu.Lock()
	d.hz = map[int]int{}
	d.gen++
	d.mu.Unlock()
}

type spyStream struct {
	audio.Stream
	d   *toneSpy
	gen int
}

// Write notes which of the ring (660 Hz) and call-waiting (425 Hz) frequencies a loud frame holds.
func (s *spyStream) Write(frame []int16) error {
	for _, hz := range []int{425, 660} {
		if amp := frameToneAmp(frame, float64(hz)); amp > 300 {
			s.d.mu.Lock()
			if s.gen == s.d.gen {
				s.d.hz[hz]++
			}
			s.d.mu.Unlock()
		}
	}
	return s.Stream.Write(frame)
}

func frameToneAmp(x []int16, freq float64) float64 {
	k := 2 * math.Cos(2*math.Pi*freq/audio.SampleRate)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + k*s1 - s2
		s2, s1 = s1, s0
	}
	return 2 * math.Sqrt(math.Max(s1*s1+s2*s2-k*s1*s2, 0)) / float64(len(x))
}

// TestCallWaitingTone: a call that comes in during an established call plays the call-waiting
// tone (425 Hz bursts), not the ring; answering it holds the first call.
func TestCallWaitingTone(t *testing.T) {
	spy := &toneSpy{null: audio.NewNullDevice(), hz: map[int]int{}}
	alice := startPhoneWith(t, "alice", "", Options{Device: spy, Tones: true})
	bob, carol := startPhone(t, "bob", ""), startPhone(t, "carol", "")
	if _, err := bob.Dial("", alice.uri); err != nil {
		t.Fatal(err)
	}
	first := alice.waitCall(t, StateIncoming)
	waitUntil(t, "the ring", func() bool { return spy.frames(660) > 0 })
	if err := alice.Answer(first.ID); err != nil {
		t.Fatal(err)
	}
	alice.callEvent(t, "first call established", first.ID, func(c CallInfo) bool { return c.State == StateEstablished })
	spy.reset() // from here on only streams opened later count: the ring's may still be closing

	if _, err := carol.Dial("", alice.uri); err != nil {
		t.Fatal(err)
	}
	second := alice.wait(t, "second call", func(e Event) bool {
		c, ok := e.(EventCall)
		return ok && c.Call.ID != first.ID && c.Call.State == StateIncoming
	}).(EventCall).Call
	waitUntil(t, "the call-waiting tone", func() bool { return spy.frames(425) > 0 })
	if n := spy.frames(660); n > 0 {
		t.Errorf("the ring played %d frames during a call; want the call-waiting tone only", n)
	}
	if err := alice.Answer(second.ID); err != nil {
		t.Fatal(err)
	}
	alice.callEvent(t, "first call held", first.ID, func(c CallInfo) bool { return c.State == StateHeld && c.Held })
	bob.wait(t, "bob sees the hold", func(e Event) bool { c, ok := e.(EventCall); return ok && c.Call.RemoteHeld })
}

func waitUntil(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("no %s within 10 s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
