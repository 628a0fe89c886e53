package media

import (
	"math"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/sipterm/sipterm/audio"
)

// fakeDevice is a timer-driven device: Read paces with deadlines and yields a tone (or silence),
// Write records what is played.
type fakeDevice struct {
	toneHz float64
	amp    float64

	mu     sync.Mutex
	stream *fakeStream
}

func newFakeDevice(toneHz float64) *fakeDevice { return &fakeDevice{toneHz: toneHz, amp: 8000} }

func (d *fakeDevice) Name() string { return "fake" }

func (d *fakeDevice) Open() (audio.Stream, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.stream = &fakeStream{dev: d, clock: newClockStream(0)}
	return d.stream, nil
}

func (d *fakeDevice) Close() error { return nil }

// played returns a copy of the last n samples played (fewer if not yet played).
func (d *fakeDevice) played(n int) []int16 {
	d.mu.Lock()
	st := d.stream
	d.mu.Unlock()
	if st == nil {
		return nil
	}
	st.mu.Lock()
	defer st.mu.Unlock()
	p := st.out
	if len(p) > n {
		p = p[len(p)-n:]
	}
	return append([]int16(nil), p...)
}

type fakeStream struct {
	dev   *fakeDevice
	clock *clockStream
	n     int
	mu    sync.Mutex
	out   []int16
}

func (s *fakeStream) Read(frame []int16) error {
	if err := s.clock.Read(frame); err != nil {
		return err
	}
	for i := range frame {
		if s.dev.toneHz > 0 {
			frame[i] = int16(s.dev.amp * math.Sin(2*math.Pi*s.dev.toneHz*float64(s.n)/8000))
		}
		s.n++
	}
	return nil
}

func (s *fakeStream) Write(frame []int16) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.out) > 8000*20 {
		s.out = append(s.out[:0], s.out[len(s.out)-8000:]...)
	}
	s.out = append(s.out, frame...)
	return nil
}

func (s *fakeStream) Close() error { return s.clock.Close() }

// goertzel gives the power of x at freq (8 kHz sample rate).
func goertzel(x []int16, freq float64) float64 {
	k := 2 * math.Cos(2*math.Pi*freq/8000)
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + k*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - k*s1*s2
}

// dominantTone reports whether x is at least 200 ms long and freq is at least 100x stronger than other probe frequencies.
func dominantTone(x []int16, freq float64) bool {
	if len(x) < 1600 {
		return false
	}
	p := goertzel(x, freq)
	if p == 0 {
		return false
	}
	for _, f := range []float64{300, 500, 700, 1300, 1500, 2000, 3000} {
		if goertzel(x, f)*100 > p {
			return false
		}
	}
	return true
}

// waitFor polls cond until it holds, failing the test after a generous deadline.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

var loopback = netip.MustParseAddr("127.0.0.1")

func newTestSession(t testing.TB, cfg Config) *Session {
	t.Helper()
	if !cfg.LocalIP.IsValid() {
		cfg.LocalIP = loopback
	}
	s, err := NewSession(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

// recorder collects callback values.
type recorder struct {
	mu       sync.Mutex
	digits   string
	notices  []string
	timeouts int
	stats    []Stats
}

func (r *recorder) onDTMF(d string) { r.mu.Lock(); r.digits += d; r.mu.Unlock() }
func (r *recorder) onNotice(m string) {
	r.mu.Lock()
	r.notices = append(r.notices, m)
	r.mu.Unlock()
}
func (r *recorder) onTimeout()       { r.mu.Lock(); r.timeouts++; r.mu.Unlock() }
func (r *recorder) onStats(st Stats) { r.mu.Lock(); r.stats = append(r.stats, st); r.mu.Unlock() }

func (r *recorder) config(cfg Config) Config {
	cfg.OnDTMF, cfg.OnNotice, cfg.OnTimeout, cfg.OnStats = r.onDTMF, r.onNotice, r.onTimeout, r.onStats
	return cfg
}

func (r *recorder) get() (digits string, notices []string, timeouts, nstats int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.digits, append([]string(nil), r.notices...), r.timeouts, len(r.stats)
}

func sleepTick() { time.Sleep(5 * time.Millisecond) }

// fileSessions is a pair of sessions on file devices: a plays the WAV file tone, b records what it
// receives into rec. The devices close after the sessions (t.Cleanup runs last-in first-out).
func fileSessions(t *testing.T, tone, rec string) (a, b *Session) {
	t.Helper()
	player, err := audio.NewFileDevice(tone, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = player.Close() })
	recorder, err := audio.NewFileDevice("", rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = recorder.Close() })
	return newTestSession(t, Config{Device: player}), newTestSession(t, Config{Device: recorder})
}
