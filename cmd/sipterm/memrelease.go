package main

import (
	"context"
	"log/slog"
	"runtime/debug"
	"runtime/metrics"
	"time"
)

// After a burst of calls the heap the burst used stays mapped: the collector frees the objects
// but the runtime hands the pages back to the OS only slowly, so an idle phone kept ~10 MB more
// than before the burst (docs/memory.md: 9 MB of heap in use against 2.5 MB live, 40 s after
// 10,000 calls). releaseAfterLoad hands it back once, when the phone has had no call for
// releaseIdleAfter (past sipgo's transaction linger, phone/memory.go) and enough is retained
// to be worth a forced collection. A person's single calls never trigger it: their heap stays
// under releaseMinBytes.
const (
	releaseCheckEvery = 5 * time.Second
	releaseIdleAfter  = 15 * time.Second
	releaseMinBytes   = 12 << 20
)

// releaser decides when to release; step is fed the time, the live calls and the heap retained.
type releaser struct {
	idleSince time.Time // when the phone was last seen without calls; zero while it has some
	done      bool      // released since the last call
}

// step reports whether to release now.
func (r *releaser) step(now time.Time, calls int, retained uint64) bool {
	switch {
	case calls > 0:
		r.idleSince, r.done = time.Time{}, false
		return false
	case r.done:
		return false
	case r.idleSince.IsZero():
		r.idleSince = now
		return false
	case now.Sub(r.idleSince) < releaseIdleAfter:
		return false
	}
	r.done = true
	return retained >= releaseMinBytes
}

// heapRetained is the heap the runtime holds beyond what a collection would keep: objects
// (live and not yet collected) plus free and unused heap pages not yet returned to the OS.
func heapRetained() uint64 {
	s := []metrics.Sample{
		{Name: "/memory/classes/heap/objects:bytes"},
		{Name: "/memory/classes/heap/free:bytes"},
		{Name: "/memory/classes/heap/unused:bytes"},
	}
	metrics.Read(s)
	var n uint64
	for _, v := range s {
		if v.Value.Kind() == metrics.KindUint64 {
			n += v.Value.Uint64()
		}
	}
	return n
}

// releaseAfterLoad runs until ctx ends; calls reports the phone's live calls.
func releaseAfterLoad(ctx context.Context, calls func() int, log *slog.Logger) {
	t := time.NewTicker(releaseCheckEvery)
	defer t.Stop()
	var r releaser
	for {
		select {
		case <-ctx.Done():
			return
		case now := <-t.C:
			before := heapRetained()
			if !r.step(now, calls(), before) {
				continue
			}
			debug.FreeOSMemory()
			log.Info("memory after a load handed back to the OS", "heap_before_mb", before>>20, "heap_after_mb", heapRetained()>>20)
		}
	}
}
