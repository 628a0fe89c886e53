package main

import (
	"os"
	"runtime/debug"
)

// defaultMemLimit is the Go runtime's soft memory limit unless GOMEMLIMIT says otherwise. With
// GOGC alone the heap may grow to twice what is live before a collection, and under a burst
// of calls (10,000 at 400/s in .ci/soak) that garbage, not the calls, set the peak RSS. Near
// the limit the collector runs sooner and hands freed pages back to the OS; it is soft, so a
// phone that really needs more keeps working (the collector's CPU is then capped at half).
// Idle, the phone's heap is a few MB: the limit changes nothing for a person's calls.
//
// Why 80 MiB (issue 10, docs/memory.md): at that burst the live heap peaks at ~53 MB (~450
// calls up, ~3,200 finished ones in sipgo's transaction linger) plus ~15 MB of stacks and
// runtime overhead. The former 44 MiB sat below that: the collector ran back to back (15-21 %
// of the phone's CPU over a run, against 2-3 % without a limit), so on a busy 2-core box the
// set-up slowed (0.4-1.3 s mean), SIPp retransmitted thousands of INVITEs and the overload gate
// refused most calls. 80 MiB leaves the collector ~25 % of the live heap as headroom at that
// peak (9 % CPU), and still stops the heap doubling (peak RSS ~93 MB, not 100-140).
const defaultMemLimit = 80 << 20

// setMemoryLimit applies defaultMemLimit when the environment sets no GOMEMLIMIT (the runtime
// has then already applied that one).
func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(defaultMemLimit)
}
