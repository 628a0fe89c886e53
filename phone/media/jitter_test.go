package media

import (
	"math/rand/v2"
	"slices"
	"testing"
	"time"
)

// simPkt is one packet in a simulated stream: id identifies its audio (every sample is id+1000).
type simPkt struct {
	id     int
	quiet  bool // only the first sample carries the id; the rest is silence
	ssrc   uint32
	seq    uint16
	ts     uint32
	arrive time.Duration
}

// stream makes n packets of 20 ms starting at seq/ts, sent every 20 ms, arriving after delay.
func stream(n int, seq uint16, ts uint32, delay func(i int) time.Duration) []simPkt {
	p := make([]simPkt, n)
	for i := range p {
		p[i] = simPkt{id: i, ssrc: 1, seq: seq + uint16(i), ts: ts + uint32(i*160), arrive: time.Duration(i)*20*time.Millisecond + delay(i)}
	}
	return p
}

func constDelay(d time.Duration) func(int) time.Duration { return func(int) time.Duration { return d } }

// simResult is what the playout side saw.
type simResult struct {
	played []int // packet ids of audio frames, in playout order
	kinds  []frameKind
	frames [][]int16
	held   []int // samples buffered after each pop
	j      *jitterBuffer
}

// simulate runs the jitter buffer against an injected clock: at each 20 ms tick (offset by phase)
// every packet that has arrived is pushed, then one frame is popped.
func simulate(pkts []simPkt, ticks int, phase time.Duration) simResult {
	j := newJitterBuffer()
	epoch := time.Unix(1_700_000_000, 0)
	order := slices.Clone(pkts)
	slices.SortStableFunc(order, func(a, b simPkt) int { return int(a.arrive - b.arrive) })
	var r simResult
	r.j = j
	pcm := make([]int16, 160)
	next := 0
	for k := range ticks {
		now := time.Duration(k)*20*time.Millisecond + phase
		for next < len(order) && order[next].arrive <= now {
			p := order[next]
			for i := range pcm {
				pcm[i] = int16(p.id + 1000)
				if p.quiet && i > 0 {
					pcm[i] = 0
				}
			}
			j.push(epoch.Add(p.arrive), p.ssrc, p.seq, p.ts, pcm)
			next++
		}
		out := make([]int16, 160)
		kind := j.pop(out)
		r.kinds = append(r.kinds, kind)
		r.frames = append(r.frames, out)
		r.held = append(r.held, j.buffered())
		if kind == frameAudio {
			r.played = append(r.played, int(out[0])-1000)
		}
	}
	return r
}

// core drops the counters that the end of every simulated stream moves (the final fade-out).
func core(c jbCounters) jbCounters {
	c.Concealed, c.Grown = 0, 0
	return c
}

func ids(from, to int, except ...int) []int {
	var r []int
	for i := from; i < to; i++ {
		if !slices.Contains(except, i) {
			r = append(r, i)
		}
	}
	return r
}

func count(kinds []frameKind, k frameKind) int {
	n := 0
	for _, x := range kinds {
		if x == k {
			n++
		}
	}
	return n
}

func TestJitterBuffer(t *testing.T) {
	const n = 50
	tests := []struct {
		name  string
		pkts  func() []simPkt
		want  []int // ids played, in order
		check func(t *testing.T, r simResult)
	}{
		{
			name: "in order",
			pkts: func() []simPkt { return stream(n, 100, 5000, constDelay(5*time.Millisecond)) },
			want: ids(0, n),
			check: func(t *testing.T, r simResult) {
				if c := core(r.j.c); c != (jbCounters{}) {
					t.Errorf("counters %+v", r.j.c)
				}
			},
		},
		{
			// The buffer holds one frame while arrival is steady, so the first swap (packet 10
			// a whole packet time late) costs packet 10 and teaches the buffer a frame of slack;
			// the later overtake is then played in order.
			name: "reorder",
			pkts: func() []simPkt {
				p := stream(n, 100, 5000, constDelay(5*time.Millisecond))
				p[10].arrive, p[11].arrive = p[11].arrive+time.Millisecond, p[10].arrive
				p[31].arrive = p[30].arrive - time.Millisecond // overtakes 30
				return p
			},
			check: func(t *testing.T, r simResult) {
				if r.j.c.Reordered != 2 {
					t.Errorf("counters %+v", r.j.c)
				}
				if !slices.IsSorted(r.played) || !slices.Equal(slices.DeleteFunc(slices.Clone(r.played), func(id int) bool { return id == 10 }), ids(0, n, 10)) {
					t.Errorf("played %v, want every packet in order (10 may be lost)", r.played)
				}
				if r.j.floor == 0 {
					t.Errorf("floor %d after a late packet, want grown", r.j.floor)
				}
			},
		},
		{
			name: "loss",
			pkts: func() []simPkt {
				p := stream(n, 100, 5000, constDelay(5*time.Millisecond))
				return slices.Delete(p, 20, 21)
			},
			want: ids(0, n, 20),
			check: func(t *testing.T, r simResult) {
				// With one frame buffered the gap is seen as an underrun (nothing queued), not
				// as a packet missing between two queued ones: Lost stays 0 then.
				if c := core(r.j.c); c != (jbCounters{Lost: c.Lost}) || c.Lost > 1 {
					t.Errorf("counters %+v", r.j.c)
				}
				i := slices.Index(r.kinds, frameConcealed)
				if i < 1 || r.frames[i-1][0] != 1019 {
					t.Fatalf("concealed frame at %d not after packet 19", i)
				}
				// The repeat fades: starts at 19's value, ends lower.
				f := r.frames[i]
				if f[0] != 1019 || f[159] >= 1019 || f[159] < 1019*3/4 {
					t.Errorf("concealed frame %d..%d", f[0], f[159])
				}
			},
		},
		{
			name: "duplicate",
			pkts: func() []simPkt {
				p := stream(n, 100, 5000, constDelay(5*time.Millisecond))
				d := p[15]
				d.arrive += 3 * time.Millisecond
				return append(p, d)
			},
			want: ids(0, n),
			check: func(t *testing.T, r simResult) {
				if c := core(r.j.c); c != (jbCounters{Duplicates: 1}) {
					t.Errorf("counters %+v", r.j.c)
				}
			},
		},
		{
			name: "late packet",
			pkts: func() []simPkt {
				p := stream(n, 100, 5000, constDelay(5*time.Millisecond))
				p[20].arrive += 300 * time.Millisecond
				return p
			},
			check: func(t *testing.T, r simResult) {
				if r.j.c.LateDropped != 1 || slices.Contains(r.played, 20) {
					t.Errorf("counters %+v, played %v", r.j.c, r.played)
				}
				if !slices.IsSorted(r.played) || len(r.played) != n-1 {
					t.Errorf("played %v", r.played)
				}
			},
		},
		{
			name: "ssrc change",
			pkts: func() []simPkt {
				p := stream(n, 100, 5000, constDelay(5*time.Millisecond))
				for i := 25; i < n; i++ {
					p[i].ssrc, p[i].seq, p[i].ts = 2, 40000+uint16(i), 9_000_000+uint32(i*160)
				}
				return p
			},
			want: ids(0, n),
			check: func(t *testing.T, r simResult) {
				if c := core(r.j.c); c != (jbCounters{SSRCChanges: 1}) {
					t.Errorf("counters %+v", r.j.c)
				}
			},
		},
		{
			name: "sequence and timestamp wrap",
			pkts: func() []simPkt { return stream(n, 65530, 0xFFFFFFFF-160*20, constDelay(5*time.Millisecond)) },
			want: ids(0, n),
			check: func(t *testing.T, r simResult) {
				if c := core(r.j.c); c != (jbCounters{}) {
					t.Errorf("counters %+v", r.j.c)
				}
			},
		},
		{
			name: "timestamp skip of 500 ms",
			pkts: func() []simPkt {
				p := stream(n, 100, 5000, constDelay(5*time.Millisecond))
				for i := 25; i < n; i++ {
					p[i].ts += 4000
				}
				return p
			},
			want: ids(0, n),
			check: func(t *testing.T, r simResult) {
				if c := core(r.j.c); c != (jbCounters{Jumps: 1}) {
					t.Errorf("counters %+v", r.j.c)
				}
			},
		},
		{
			name: "timestamp jump",
			pkts: func() []simPkt {
				p := stream(n, 100, 5000, constDelay(5*time.Millisecond))
				for i := 25; i < n; i++ {
					p[i].ts += 10 * 8000 // the sender skipped 10 s
				}
				return p
			},
			want: ids(0, n),
			check: func(t *testing.T, r simResult) {
				if c := core(r.j.c); c != (jbCounters{Jumps: 1}) {
					t.Errorf("counters %+v", r.j.c)
				}
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, phase := range []time.Duration{0, 7 * time.Millisecond, 19 * time.Millisecond} {
				r := simulate(tc.pkts(), n+20, phase)
				if tc.want != nil && !slices.Equal(r.played, tc.want) {
					t.Fatalf("phase %v: played %v, want %v", phase, r.played, tc.want)
				}
				if tc.check != nil {
					tc.check(t, r)
				}
			}
		})
	}
}

func TestJitterBufferGrowsAndShrinks(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	const jittery, calm = 300, 600
	pkts := stream(jittery+calm, 1, 1, func(i int) time.Duration {
		if i < jittery {
			return time.Duration(rng.IntN(80)) * time.Millisecond // up to 80 ms of jitter
		}
		return 80 * time.Millisecond // then a steady path (still late, but regular)
	})
	j := newJitterBuffer()
	epoch := time.Unix(1_700_000_000, 0)
	slices.SortStableFunc(pkts, func(a, b simPkt) int { return int(a.arrive - b.arrive) })
	pcm, out := make([]int16, 160), make([]int16, 160)
	next := 0
	var peak float64
	for k := range jittery + calm + 10 {
		now := time.Duration(k)*20*time.Millisecond + 3*time.Millisecond
		for next < len(pkts) && pkts[next].arrive <= now {
			p := pkts[next]
			j.push(epoch.Add(p.arrive), p.ssrc, p.seq, p.ts, pcm)
			next++
		}
		j.pop(out)
		if k == jittery {
			peak = j.delayMs()
			if peak < 60 {
				t.Fatalf("after 6 s of 0..80 ms jitter the buffer aims at only %.0f ms (jitter %.1f ms)", peak, j.jitter/8)
			}
			if j.c.Grown == 0 && j.c.Concealed == 0 {
				t.Fatalf("the buffer never had to grow: %+v", j.c)
			}
		}
	}
	if got := j.delayMs(); got >= peak || got > 45 {
		t.Fatalf("after calm the buffer still aims at %.0f ms (peak %.0f)", got, peak)
	}
	if j.c.Shrunk == 0 {
		t.Fatalf("the buffer never shrank: %+v", j.c)
	}
	if b := j.buffered(); b > 3*160+j.target {
		t.Fatalf("still holding %d samples with target %d", b, j.target)
	}
}

func TestConcealmentFadesToSilence(t *testing.T) {
	j := newJitterBuffer()
	pcm := make([]int16, 160)
	for i := range pcm {
		pcm[i] = 10000
	}
	now := time.Unix(0, 0)
	j.push(now, 1, 1, 0, pcm)
	j.push(now.Add(20*time.Millisecond), 1, 2, 160, pcm)
	out := make([]int16, 160)
	var kinds []frameKind
	for range 10 {
		kinds = append(kinds, j.pop(out))
	}
	want := []frameKind{frameAudio, frameAudio, frameConcealed, frameConcealed, frameConcealed, frameConcealed, frameConcealed, frameSilence, frameSilence, frameSilence}
	if !slices.Equal(kinds, want) {
		t.Fatalf("kinds %v", kinds)
	}
	if slices.Max(out) != 0 || slices.Min(out) != 0 {
		t.Fatal("not silent after the fade")
	}
}

// TestJitterBufferClockDrift: the peer's clock runs 1% fast or slow against ours. The buffer must
// stay bounded (shrinking for a fast peer) and keep playing (growing for a slow one), with only
// the odd skipped or concealed frame.
func TestJitterBufferClockDrift(t *testing.T) {
	const n = 3000 // 60 s
	for _, tc := range []struct {
		name   string
		period time.Duration
	}{{"fast peer", 19800 * time.Microsecond}, {"slow peer", 20200 * time.Microsecond}} {
		t.Run(tc.name, func(t *testing.T) {
			pkts := stream(n, 1, 1, constDelay(0))
			for i := range pkts {
				pkts[i].arrive = time.Duration(i)*tc.period + 5*time.Millisecond
			}
			r := simulate(pkts, n+50, 0)
			if !slices.IsSorted(r.played) {
				t.Fatal("played out of order")
			}
			drift := n / 100
			if len(r.played) < n-2*drift {
				t.Fatalf("played %d of %d packets: %+v", len(r.played), n, r.j.c)
			}
			if audio := count(r.kinds, frameAudio); audio > n {
				t.Fatalf("%d audio frames from %d packets", audio, n)
			}
			if b := slices.Max(r.held[n/2 : n-20]); b > r.j.target+3*frameSamples {
				t.Fatalf("buffer held up to %d samples in the second half, target %d", b, r.j.target)
			}
			t.Logf("%+v", r.j.c)
		})
	}
}

// TestJitterBufferShrinksInPauses: a buffer that must shrink drops quiet frames, not speech.
func TestJitterBufferShrinksInPauses(t *testing.T) {
	const n = 2000
	pkts := stream(n, 1, 1, constDelay(0))
	for i := range pkts {
		pkts[i].arrive = time.Duration(i)*19800*time.Microsecond + 5*time.Millisecond // 1% fast
		pkts[i].quiet = i%20 >= 15                                                    // 300 ms talk, 100 ms pause
	}
	r := simulate(pkts, n+50, 0)
	if r.j.c.Shrunk < 10 {
		t.Fatalf("shrank only %d times: %+v", r.j.c.Shrunk, r.j.c)
	}
	for _, id := range ids(0, n-30) {
		if !slices.Contains(r.played, id) && !pkts[id].quiet {
			t.Errorf("speech frame %d was dropped", id)
		}
	}
}

// TestJitterBufferGrowsInPauses: a buffer that must grow inserts frames in pauses, not speech.
func TestJitterBufferGrowsInPauses(t *testing.T) {
	const n = 2000
	pkts := stream(n, 1, 1, constDelay(0))
	for i := range pkts {
		pkts[i].arrive = time.Duration(i)*20200*time.Microsecond + 5*time.Millisecond // 1% slow
		pkts[i].quiet = i%20 >= 15
	}
	r := simulate(pkts, n+50, 0)
	if r.j.c.Grown < 10 {
		t.Fatalf("grew only %d times: %+v", r.j.c.Grown, r.j.c)
	}
	// Every inserted (concealed) frame follows a quiet one.
	for i, k := range r.kinds[:len(r.kinds)-60] {
		if k == frameConcealed && i > 0 && r.kinds[i-1] == frameAudio && !pkts[int(r.frames[i-1][0])-1000].quiet {
			t.Errorf("frame %d inserted after speech", i)
		}
	}
	if len(r.played) < n-5 {
		t.Fatalf("played %d of %d: %+v", len(r.played), n, r.j.c)
	}
}

// TestJitterBufferAdaptive: the buffer sits at one frame while arrival is steady, grows with
// jitter and late packets, and comes back to one frame after a calm spell.
func TestJitterBufferAdaptive(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	jitter := func(i int) time.Duration { return time.Duration(rng.IntN(60)) * time.Millisecond }
	tests := []struct {
		name         string
		n            int
		delay        func(i int) time.Duration
		minMs, maxMs float64 // delayMs at the end
		floor        string  // "zero" or "above" 0 at the end; "" either (the jitter estimate may carry it)
	}{
		{"steady arrival keeps one frame", 500, constDelay(5 * time.Millisecond), 20, 20, "zero"},
		{"steady, another phase", 500, constDelay(17 * time.Millisecond), 20, 20, "zero"},
		{"jitter grows it", 500, jitter, 40, 200, ""},
		{"one late burst grows it", 60, func(i int) time.Duration {
			if i >= 30 && i < 33 {
				return 45 * time.Millisecond
			}
			return 5 * time.Millisecond
		}, 40, 200, "above"},
		{"shrinks after calm", 1200, func(i int) time.Duration {
			if i < 200 {
				return jitter(i)
			}
			return 5 * time.Millisecond
		}, 20, 20, "zero"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := simulate(stream(tt.n, 1, 0, tt.delay), tt.n, 0)
			if d := r.j.delayMs(); d < tt.minMs || d > tt.maxMs {
				t.Errorf("delay %.1f ms at the end, want %.0f..%.0f (floor %d, jitter %.1f, counters %+v)", d, tt.minMs, tt.maxMs, r.j.floor, r.j.jitter, r.j.c)
			}
			if (tt.floor == "zero" && r.j.floor != 0) || (tt.floor == "above" && r.j.floor == 0) {
				t.Errorf("floor %d, want %s", r.j.floor, tt.floor)
			}
			if tt.minMs == 20 && tt.maxMs == 20 && tt.n == 500 {
				if c := count(r.kinds[5:], frameConcealed) + count(r.kinds[5:], frameSilence); c != 0 {
					t.Errorf("%d frames concealed or silent in a steady stream", c)
				}
			}
		})
	}
}
