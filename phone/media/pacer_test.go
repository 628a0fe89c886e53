package media

import (
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func TestPaceClockNext(t *testing.T) {
	const p = 20 * time.Millisecond
	t0 := time.Unix(1000, 0)
	tests := []struct {
		name                string
		n                   int64
		now                 time.Duration // since t0
		wait                time.Duration
		late, resync        bool
		wantN               int64
		wantStartMovedToNow bool
	}{
		{name: "early: wait for the deadline", n: 0, now: 5 * time.Millisecond, wait: 15 * time.Millisecond, wantN: 1},
		{name: "on time", n: 4, now: 100 * time.Millisecond, wait: 0, wantN: 5},
		{name: "a little late: due now, not counted late", n: 4, now: 110 * time.Millisecond, wait: -10 * time.Millisecond, wantN: 5},
		{name: "a period late: catch up, counted late", n: 4, now: 120 * time.Millisecond, wait: -20 * time.Millisecond, late: true, wantN: 5},
		{name: "at the catch-up bound: still catching up", n: 4, now: 300 * time.Millisecond, wait: -200 * time.Millisecond, late: true, wantN: 5},
		{name: "beyond the bound: restart the schedule", n: 4, now: 301 * time.Millisecond, resync: true, wantN: 0, wantStartMovedToNow: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := paceClock{period: p, start: t0, n: tt.n}
			now := t0.Add(tt.now)
			wait, late, resync := c.next(now)
			if wait != tt.wait || late != tt.late || resync != tt.resync {
				t.Errorf("next = (%v, late %v, resync %v), want (%v, %v, %v)", wait, late, resync, tt.wait, tt.late, tt.resync)
			}
			if c.n != tt.wantN {
				t.Errorf("n = %d, want %d", c.n, tt.wantN)
			}
			if moved := c.start.Equal(now); moved != tt.wantStartMovedToNow {
				t.Errorf("start moved to now = %v, want %v", moved, tt.wantStartMovedToNow)
			}
		})
	}
}

// A late pacer sends the missed frames one after another, then waits again.
func TestPaceClockCatchesUpFrameByFrame(t *testing.T) {
	const p = 20 * time.Millisecond
	t0 := time.Unix(1000, 0)
	c := paceClock{period: p, start: t0}
	now := t0.Add(65 * time.Millisecond) // frames 1, 2 and 3 are due
	var due, late int
	for {
		wait, l, resync := c.next(now)
		if resync {
			t.Fatal("resynced within the catch-up bound")
		}
		if wait > 0 {
			if wait != 15*time.Millisecond {
				t.Errorf("wait for frame 4 = %v, want 15ms", wait)
			}
			break
		}
		due++
		if l {
			late++
		}
	}
	if due != 3 || late != 2 {
		t.Errorf("due %d (late %d), want 3 (late 2)", due, late)
	}
}

func TestFramePacerMembers(t *testing.T) {
	p := &framePacer{period: time.Millisecond}
	var wg sync.WaitGroup
	const members = 20
	var steps [members]atomic.Int64
	ms := make([]*pacedSender, members)
	ticked := make(chan int, members*4)
	for i := range members {
		wg.Add(1)
		ms[i] = &pacedSender{done: wg.Done}
		ms[i].step = func(_, _ bool) bool {
			n := steps[i].Add(1)
			if n == 3 {
				ticked <- i
			}
			return !(i%2 == 0 && n == 3) // even members leave by themselves at their 3rd step
		}
		p.add(ms[i])
	}
	for range members {
		<-ticked
	}
	for i := 1; i < members; i += 2 { // odd members are removed
		p.remove(ms[i])
		p.remove(ms[i]) // idempotent: done is called once (wg would panic otherwise)
	}
	wg.Wait() // every member's done ran exactly once
	after := make([]int64, members)
	for i := range members {
		after[i] = steps[i].Load()
	}
	// One more member proves the pacer still ticks; the removed ones must not have stepped.
	wg.Add(1)
	last := &pacedSender{done: wg.Done}
	last.step = func(_, _ bool) bool { return false }
	p.add(last)
	wg.Wait()
	for i := range members {
		if got := steps[i].Load(); got != after[i] {
			t.Errorf("member %d stepped after it left: %d steps, then %d", i, after[i], got)
		}
		if i%2 == 0 && after[i] != 3 {
			t.Errorf("member %d left at step 3 but stepped %d times", i, after[i])
		}
	}
}

// One tick steps every member exactly once, however the batch is cut into shares, and marks the
// members whose step said they are done.
func TestFramePacerStepAllShares(t *testing.T) {
	for _, n := range []int{1, parallelFrom, parallelFrom + 1, 50, 257} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			p := &framePacer{period: time.Millisecond}
			steps := make([]atomic.Int64, n)
			batch := make([]*pacedSender, n)
			for i := range batch {
				batch[i] = &pacedSender{done: func() {}}
				batch[i].step = func(late, resync bool) bool {
					steps[i].Add(1)
					return i%3 != 0 // every third member is done after this step
				}
			}
			p.stepAll(batch, false, false)
			for i, m := range batch {
				if got := steps[i].Load(); got != 1 {
					t.Errorf("member %d stepped %d times, want 1", i, got)
				}
				if want := i%3 == 0; m.ended != want {
					t.Errorf("member %d ended = %v, want %v", i, m.ended, want)
				}
			}
		})
	}
}

// The pacer's counters: late and resynced ticks counted, the maxima kept.
func TestPacerCounters(t *testing.T) {
	type tick struct {
		late, resync bool
		woke, took   time.Duration
	}
	tests := []struct {
		name  string
		ticks []tick
		want  PacerStats
	}{
		{"none", nil, PacerStats{}},
		{"on time", []tick{{false, false, -time.Millisecond, 2 * time.Millisecond}, {false, false, 0, time.Millisecond}},
			PacerStats{Ticks: 2, MaxTick: 2 * time.Millisecond}},
		{"late then resync", []tick{{true, false, 25 * time.Millisecond, time.Millisecond}, {false, true, 250 * time.Millisecond, 3 * time.Millisecond}, {false, false, time.Millisecond, time.Millisecond}},
			PacerStats{Ticks: 3, Late: 1, Resyncs: 1, MaxTick: 3 * time.Millisecond, MaxWake: 250 * time.Millisecond}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var c pacerCounters
			for _, k := range tt.ticks {
				c.tick(k.late, k.resync, k.woke, k.took)
			}
			if got := c.stats(); got != tt.want {
				t.Errorf("stats = %+v, want %+v", got, tt.want)
			}
		})
	}
}
