package audio

import "time"

// The device's buffer is as small as the machine keeps up with. It opens at the first rung of
// latencyLadder (PortAudio's suggested latency, each way); when the callback runs late
// often (ladderXruns underflows within ladderWindow) the goroutine reopens it at the next
// rung, one gap of a few tens of ms instead of a crackle every few seconds for the rest of the
// call. Between calls (the device released when idle), a rung is given back after
// ladderCalm without an underflow, so a passing load spike does not cost delay for good.
var latencyLadder = []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 60 * time.Millisecond}

const (
	ladderXruns  = 5
	ladderWindow = 5 * time.Second
	ladderCalm   = 60 * time.Second
)

// ladder is the device goroutine's record of the rung and the underflows seen on it.
type ladder struct {
	rungs    []time.Duration // nil: latencyLadder
	rung     int
	seen     uint64    // underflows at the start of the window
	window   time.Time // start of the current window; zero until the device runs
	lastXrun time.Time // of the last underflow seen
}

// latency is the suggested latency at the current rung.
func (l *ladder) latency() time.Duration { return l.ladder()[l.rung] }

func (l *ladder) ladder() []time.Duration {
	if l.rungs == nil {
		return latencyLadder
	}
	return l.rungs
}

// note takes the device's underflow count at now and reports whether to step up a rung (it
// then has): too many underflows within the window, and a rung left.
func (l *ladder) note(underflows uint64, now time.Time) bool {
	if l.window.IsZero() || underflows < l.seen {
		l.seen, l.window = underflows, now
		return false
	}
	if underflows > l.seen {
		l.lastXrun = now
	}
	if underflows-l.seen >= ladderXruns && l.rung < len(l.ladder())-1 {
		l.rung++
		l.seen, l.window = underflows, time.Time{}
		return true
	}
	if now.Sub(l.window) >= ladderWindow {
		l.seen, l.window = underflows, now
	}
	return false
}

// released is called when the device is let go between calls: a rung is given back after a
// calm spell, and the next run starts a fresh window.
func (l *ladder) released(now time.Time) {
	if l.rung > 0 && now.Sub(l.lastXrun) >= ladderCalm {
		l.rung--
	}
	l.window = time.Time{}
}
