package main

import (
	"os"
	"runtime/debug"
)

// The Go runtime's collector settings unless the environment sets its own (GOGC, GOMEMLIMIT).
//
// defaultGCPercent: with GOGC=100 the heap may grow to twice what is live before a collection,
// and under a burst of calls (10,000 at 400/s in .ci/soak) that garbage, not the calls, set the
// peak RSS. 50 lets it grow by half: the collector runs twice as often, which at that burst
// is ~1 % of the phone's CPU (GODEBUG=gctrace=1), and the peak fell from 60.0 to 51.0 MB
// (docs/memory.md, medians of 3). Proportional to the live heap, it has no cliff: a phone
// with a thousand calls up just collects at 1.5x their size.
//
// defaultMemLimit is a soft cap above that, for what GOGC alone would let through (a heap that
// doubles a large live heap); near it the collector runs sooner and hands freed pages back to
// the OS, and being soft a phone that needs more keeps working (the collector's CPU is then
// capped at half). A limit meant to set the peak by itself sits below the live heap of a busy
// phone sooner or later: 44 MiB did when finished calls were still held for 8 s (the collector
// ran back to back, 15-21 % of the CPU, and most calls failed at set-up), 40 MiB would with
// ~600 calls up. Idle, the phone's heap is a few MB: neither setting changes a person's calls.
const (
	defaultGCPercent = 50
	defaultMemLimit  = 80 << 20
)

// setMemoryLimit applies defaultGCPercent and defaultMemLimit where the environment sets no
// GOGC / GOMEMLIMIT (the runtime has then already applied those).
func setMemoryLimit() {
	if os.Getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
	if os.Getenv("GOMEMLIMIT") == "" {
		debug.SetMemoryLimit(defaultMemLimit)
	}
}
