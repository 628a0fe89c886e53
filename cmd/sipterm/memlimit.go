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
const defaultMemLimit = 44 << 20

// setMemoryLimit applies defaultMemLimit when the environment sets no GOMEMLIMIT (the runtime
// has then already applied that one).
func setMemoryLimit() {
	if os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetMemoryLimit(defaultMemLimit)
}
