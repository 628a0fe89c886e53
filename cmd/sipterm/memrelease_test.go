package main

import (
	"testing"
	"time"
)

func TestReleaserStep(t *testing.T) {
	t0 := time.Date(2026, 11, 30, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	big, small := uint64(40<<20), uint64(4<<20)
	type step struct {
		sec      int
		calls    int
		retained uint64
		want     bool
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"after a burst, once, when idle long enough", []step{
			{0, 400, big, false}, {5, 0, big, false}, {15, 0, big, false}, {20, 0, big, true}, {25, 0, big, false}, {60, 0, big, false}}},
		{"a call during the wait starts it over", []step{
			{0, 0, big, false}, {10, 1, big, false}, {15, 0, big, false}, {25, 0, big, false}, {30, 0, big, true}}},
		{"too little retained: nothing to hand back", []step{
			{0, 1, small, false}, {5, 0, small, false}, {20, 0, small, false}, {40, 0, big, false}}},
		{"released again after the next burst", []step{
			{0, 0, big, false}, {15, 0, big, true}, {20, 300, big, false}, {25, 0, big, false}, {40, 0, big, true}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var r releaser
			for _, s := range tt.steps {
				if got := r.step(at(s.sec), s.calls, s.retained); got != s.want {
					t.Fatalf("at %d s (calls %d, retained %d MB): release = %v, want %v", s.sec, s.calls, s.retained>>20, got, s.want)
				}
			}
		})
	}
}
