package phone

import (
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipterm/sipterm/audio"
)

// soundMeter is a Device whose streams count the loud frames written to them, so a test can
// tell whether the phone played something local (a tone) on the device, and whether the streams
// that played it are closed.
type soundMeter struct {
	null     *audio.NullDevice
	loud     atomic.Int64
	loudOpen atomic.Int64 // streams that wrote a loud frame and are not closed yet
}

func (d *soundMeter) Name() string { return "meter" }
func (d *soundMeter) Close() error { return d.null.Close() }
func (d *soundMeter) Open() (audio.Stream, error) {
	s, err := d.null.Open()
	if err != nil {
		return nil, err
	}
	return &meterStream{Stream: s, d: d}, nil
}

type meterStream struct {
	audio.Stream
	d       *soundMeter
	wasLoud atomic.Bool
	closed  atomic.Bool
}

func (s *meterStream) Write(frame []int16) error {
	var peak int16
	for _, v := range frame {
		peak = max(peak, v, -v)
	}
	if peak > 1000 {
		s.d.loud.Add(1)
		if !s.wasLoud.Swap(true) {
			s.d.loudOpen.Add(1)
		}
	}
	return s.Stream.Write(frame)
}

func (s *meterStream) Close() error {
	if !s.closed.Swap(true) && s.wasLoud.Load() {
		s.d.loudOpen.Add(-1)
	}
	return s.Stream.Close()
}

func TestTonesRingbackAndRing(t *testing.T) {
	newPhone := func(name string, dev audio.Device) *testPhone {
		return startPhoneWith(t, name, "", Options{Device: dev, Tones: true})
	}
	caller, callee := &soundMeter{null: audio.NewNullDevice()}, &soundMeter{null: audio.NewNullDevice()}
	a, b := newPhone("alice", caller), newPhone("bob", callee)
	if _, err := a.Dial("", b.uri); err != nil {
		t.Fatal(err)
	}
	b.waitCall(t, StateIncoming)
	a.waitCall(t, StateRinging)
	deadline := time.Now().Add(15 * time.Second)
	for caller.loud.Load() < 10 || callee.loud.Load() < 10 {
		if time.Now().After(deadline) {
			t.Fatalf("no tones: ringback frames %d, ring frames %d", caller.loud.Load(), callee.loud.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	if err := b.Answer(""); err != nil {
		t.Fatal(err)
	}
	a.waitCall(t, StateEstablished)
	// The answer closes the tone streams (how soon depends on the machine's load, so wait for it),
	// and nothing loud plays after them.
	deadline = time.Now().Add(15 * time.Second)
	for caller.loudOpen.Load() != 0 || callee.loudOpen.Load() != 0 {
		if time.Now().After(deadline) {
			t.Fatalf("tone streams still open after the answer: caller %d, callee %d", caller.loudOpen.Load(), callee.loudOpen.Load())
		}
		time.Sleep(20 * time.Millisecond)
	}
	before := caller.loud.Load() + callee.loud.Load()
	time.Sleep(500 * time.Millisecond)
	if after := caller.loud.Load() + callee.loud.Load(); after != before {
		t.Fatalf("tones go on after the answer: %d loud frames became %d", before, after)
	}
	a.Hangup("")
	a.waitCall(t, StateTerminated)
}
