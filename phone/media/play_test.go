package media

import (
	"net/netip"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/sipterm/sipterm/audio"
)

// pullDevice is a fakeDevice whose streams play on a clock of their own (audio.PlaySourcer):
// a goroutine asks the session's play source for a frame every 20 ms, as PortAudio's playback
// callback does, and records it where fakeDevice.played finds it. Writes are counted: a
// pulled session must not make any.
type pullDevice struct {
	*fakeDevice
	writes atomic.Int64
}

func (d *pullDevice) Open() (audio.Stream, error) {
	st, err := d.fakeDevice.Open()
	if err != nil {
		return nil, err
	}
	return &pullStream{fakeStream: st.(*fakeStream), dev: d, stop: make(chan struct{})}, nil
}

type pullStream struct {
	*fakeStream
	dev        *pullDevice
	start, end sync.Once
	stop       chan struct{}
}

var _ audio.PlaySourcer = (*pullStream)(nil)

func (s *pullStream) SetPlaySource(fn func(frame []int16)) {
	s.start.Do(func() { go s.play(fn) })
}

func (s *pullStream) play(fn func(frame []int16)) {
	t := time.NewTicker(audio.FrameDuration)
	defer t.Stop()
	frame := make([]int16, frameSamples)
	for {
		select {
		case <-s.stop:
			return
		case <-t.C:
		}
		fn(frame)
		_ = s.fakeStream.Write(frame)
	}
}

func (s *pullStream) Write([]int16) error {
	s.dev.writes.Add(1)
	return nil
}

func (s *pullStream) Close() error {
	s.end.Do(func() { close(s.stop) })
	return s.fakeStream.Close()
}

// silent reports whether x is long enough and all zero.
func silent(x []int16) bool {
	if len(x) < 1600 {
		return false
	}
	for _, v := range x {
		if v != 0 {
			return false
		}
	}
	return true
}

// dtmfFeedback reports whether x holds digit 5's pair (770 + 1336 Hz) well above the other
// DTMF frequencies.
func dtmfFeedback(x []int16) bool {
	p770, p1336 := goertzel(x, 770), goertzel(x, 1336)
	if len(x) < 1600 || p770 == 0 || p1336 == 0 {
		return false
	}
	for _, f := range []float64{697, 852, 941, 1209, 1477, 1633} {
		if p := goertzel(x, f); p*50 > p770 || p*50 > p1336 {
			return false
		}
	}
	return true
}

// TestPulledPlayback: a session on a device with its own playback clock plays what that
// clock pulls (the peer's tone, silence on hold and while detached, the DTMF feedback tone,
// the speaker level) and Writes nothing; its send side goes on from the capture clock.
func TestPulledPlayback(t *testing.T) {
	devA, devB := newFakeDevice(1000), &pullDevice{fakeDevice: newFakeDevice(0)}
	a := newTestSession(t, Config{Device: devA})
	b := newTestSession(t, Config{Device: devB})
	params := func(remote *Session, dir Direction) Params {
		return Params{Remote: remote.LocalAddr(), Codec: PCMU, DTMFPT: 101, Direction: dir}
	}
	if err := a.Start(params(b, SendRecv)); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(params(a, SendRecv)); err != nil {
		t.Fatal(err)
	}
	tone := func() bool { return dominantTone(devB.played(1600), 1000) }
	quiet := func() bool { return silent(devB.played(1600)) }
	steps := []struct {
		name  string
		apply func() error
		want  func() bool
	}{
		{"the peer's tone", func() error { return nil }, tone},
		{"detached: silence", func() error { b.SetDetached(true); return nil }, quiet},
		{"attached again", func() error { b.SetDetached(false); return nil }, tone},
		{"on hold: silence", func() error { return b.Update(params(a, SendOnly)) }, quiet},
		{"resumed", func() error { return b.Update(params(a, SendRecv)) }, tone},
		{"a muted peer", func() error { a.SetMute(true); return nil }, quiet},
		{"DTMF feedback", func() error { return b.SendDTMF("5") }, func() bool { return dtmfFeedback(devB.played(1600)) }},
	}
	for _, s := range steps {
		if err := s.apply(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
		waitFor(t, s.name, s.want)
		if s.name == "the peer's tone" {
			waitFor(t, "b's speaker level to show the tone", func() bool { return b.Stats().SpeakerDBFS >= -20 })
		}
	}
	if n := devB.writes.Load(); n != 0 {
		t.Errorf("the pulled session wrote %d frames", n)
	}
	if a.Stats().PacketsReceived == 0 {
		t.Error("b sent nothing: its capture clock did not tick")
	}
}

// TestPullFrameAllocates: the play source runs on the device's audio thread, where a
// garbage-collector assist would be an audible stall: it allocates nothing, in each state.
func TestPullFrameAllocates(t *testing.T) {
	s := newTestSession(t, Config{})
	if err := s.Start(Params{Remote: netip.MustParseAddrPort("127.0.0.1:9"), Codec: PCMU, DTMFPT: 101}); err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, frameSamples)
	states := []struct {
		name string
		set  func()
	}{
		{"receiving", func() {}},
		{"comfort noise", func() { s.mu.Lock(); s.rx.cn.start([]byte{40}); s.mu.Unlock() }},
		{"DTMF feedback", func() { s.mu.Lock(); s.setFeedbackLocked(5); s.mu.Unlock() }},
		{"detached", func() { s.SetDetached(true) }},
		{"on hold", func() {
			if err := s.Update(Params{Remote: netip.MustParseAddrPort("127.0.0.1:9"), Codec: PCMU, Direction: SendOnly}); err != nil {
				t.Fatal(err)
			}
		}},
	}
	for _, st := range states {
		st.set()
		if n := testing.AllocsPerRun(100, func() { s.pullFrame(frame) }); n != 0 {
			t.Errorf("%s: %.1f allocations per frame", st.name, n)
		}
	}
}

// TestPullClock: pulls on schedule, or late within pullSlack, skip nothing; a stall skips
// the frames it cost beyond the slack, at most pullSkipMax at a time; a jump of seconds
// starts the schedule over.
func TestPullClock(t *testing.T) {
	t0 := time.Unix(1000, 0)
	ms := func(n int) time.Time { return t0.Add(time.Duration(n) * time.Millisecond) }
	steps := []struct {
		name string
		at   time.Time
		skip int
	}{
		{"the first pull starts the schedule", ms(0), 0},
		{"on time", ms(20), 0},
		{"late within the slack", ms(40 + 40), 0},
		{"back on time", ms(60), 0},
		{"a 100 ms stall", ms(80 + 100), 4}, // 60 ms past the slack: 3 frames and the one due
		{"on the new schedule", ms(180), 0},
		{"early (the device's buffer filling)", ms(150), 0},
		{"a long stall: pullSkipMax at a time", ms(200 + 1000), pullSkipMax},
		{"the rest next time", ms(200 + 1000), pullSkipMax},
		{"a jump of seconds starts over", ms(10_000), 0},
		{"on the new schedule", ms(10_020), 0},
	}
	var c pullClock
	for _, s := range steps {
		if got := c.behind(s.at); got != s.skip {
			t.Fatalf("%s: skip %d, want %d", s.name, got, s.skip)
		}
	}
}

// TestJitterBufferSkip: skipping moves the playout on by a frame and drops what was due; a
// buffer not yet playing has nothing to skip.
func TestJitterBufferSkip(t *testing.T) {
	j := newJitterBuffer()
	j.skip() // not playing: nothing happens
	now := time.Unix(1000, 0)
	pcm := make([]int16, 160)
	for i := range 10 {
		for k := range pcm {
			pcm[k] = int16(1000 + i)
		}
		j.push(now, 1, uint16(i), uint32(i*160), pcm)
	}
	out := make([]int16, 160)
	if j.pop(out); out[0] != 1000 {
		t.Fatalf("first frame plays %d, want 1000", out[0])
	}
	for range 3 {
		j.skip()
	}
	if j.pop(out); out[0] != 1004 {
		t.Fatalf("after skipping 3 frames: plays %d, want 1004", out[0])
	}
}
