package media

import (
	"sync/atomic"
	"time"
)

// PacerStats counts the shared send clock's work since the process started, to tell a box that
// is short of CPU from a pacer that falls behind by itself: Late ticks woke at least a period
// after they were due (their frames went out in a catch-up burst), Resyncs were more than
// maxCatchUp late (the frames between were never sent). MaxTick is the longest time one tick's
// steps took (encoding and sending a frame for every member), MaxWake the latest wake-up.
type PacerStats struct {
	Ticks, Late, Resyncs uint64
	MaxTick, MaxWake     time.Duration
}

// pacerCounters is framePacer's PacerStats, updated once per tick.
type pacerCounters struct {
	ticks, late, resyncs atomic.Uint64
	maxTick, maxWake     atomic.Int64
}

// tick records one tick: woke is how late it woke (<= 0: on time), took how long its steps ran.
func (c *pacerCounters) tick(late, resync bool, woke, took time.Duration) {
	c.ticks.Add(1)
	if late {
		c.late.Add(1)
	}
	if resync {
		c.resyncs.Add(1)
	}
	storeMax(&c.maxWake, int64(woke))
	storeMax(&c.maxTick, int64(took))
}

func storeMax(v *atomic.Int64, n int64) {
	for old := v.Load(); n > old && !v.CompareAndSwap(old, n); old = v.Load() {
	}
}

func (c *pacerCounters) stats() PacerStats {
	return PacerStats{Ticks: c.ticks.Load(), Late: c.late.Load(), Resyncs: c.resyncs.Load(),
		MaxTick: time.Duration(c.maxTick.Load()), MaxWake: time.Duration(c.maxWake.Load())}
}

// SharedPacerStats is the shared send clock's counters (file and null devices, the echo
// endpoint: calls without a sound card's clock).
func SharedPacerStats() PacerStats { return sharedPacer.counters.stats() }
