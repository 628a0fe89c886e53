package main

import (
	"runtime/debug"
	"testing"
)

func TestSetMemoryLimit(t *testing.T) {
	before := debug.SetMemoryLimit(-1)
	t.Cleanup(func() { debug.SetMemoryLimit(before) })
	const other = 1 << 40
	tests := []struct {
		name, env string
		want      int64
	}{
		{"default when GOMEMLIMIT is unset", "", defaultMemLimit},
		{"GOMEMLIMIT wins", "1GiB", other}, // the runtime applied it: setMemoryLimit leaves it alone
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("GOMEMLIMIT", tt.env)
			debug.SetMemoryLimit(other)
			setMemoryLimit()
			if got := debug.SetMemoryLimit(-1); got != tt.want {
				t.Errorf("memory limit %d, want %d", got, tt.want)
			}
		})
	}
}
