package main

import (
	"runtime/debug"
	"testing"
)

func TestSetMemoryLimit(t *testing.T) {
	beforeLimit := debug.SetMemoryLimit(-1)
	beforeGC := debug.SetGCPercent(100)
	t.Cleanup(func() {
		debug.SetMemoryLimit(beforeLimit)
		debug.SetGCPercent(beforeGC)
	})
	const otherLimit, otherGC = 1 << 40, 300
	tests := []struct {
		name, gogc, memlimit string
		wantGC               int
		wantLimit            int64
	}{
		{"defaults when the environment sets neither", "", "", defaultGCPercent, defaultMemLimit},
		{"GOMEMLIMIT wins", "", "1GiB", defaultGCPercent, otherLimit}, // the runtime applied it
		{"GOGC wins", "300", "", otherGC, defaultMemLimit},
		{"both win", "300", "1GiB", otherGC, otherLimit},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOGC", tt.gogc)
			t.Setenv("GOMEMLIMIT", tt.memlimit)
			debug.SetMemoryLimit(otherLimit)
			debug.SetGCPercent(otherGC)
			setMemoryLimit()
			if got := debug.SetMemoryLimit(-1); got != tt.wantLimit {
				t.Errorf("memory limit %d, want %d", got, tt.wantLimit)
			}
			if got := debug.SetGCPercent(otherGC); got != tt.wantGC {
				t.Errorf("GC percent %d, want %d", got, tt.wantGC)
			}
		})
	}
}
