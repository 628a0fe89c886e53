package phone

import (
	"fmt"
	"math"
	"time"
)

// Clock drift: the peer's RTP timestamps should advance at the codec's clock rate against
// wall-clock time. Network delay varies, so each side of the comparison takes the smallest
// transit (arrival minus media time) of a one-second window: queueing only ever adds to it.

const (
	driftOver  = 10 * time.Second // judge after this much of one unbroken stream
	driftLimit = 0.01             // 1 %: beyond what sound-card clocks differ by; a wrong rate or a broken sender
	driftWin   = time.Second
	driftGap   = 500 * time.Millisecond // a pause (hold, VAD) this long starts the estimate over
)

// driftState follows one SSRC's timestamps.
type driftState struct {
	on       bool
	ssrc     uint32
	t0       time.Time // arrival of the stream's first packet
	last     time.Time
	lastTS   uint32
	ext      int64   // timestamp advance since t0, unwrapped
	early    float64 // smallest transit in the first window, s
	earlyAt  float64 // when it was seen, s after t0
	winStart time.Time
	winMin   float64
	winMinAt float64
}

func (d *driftState) reset(t time.Time, ssrc, ts uint32) {
	*d = driftState{on: true, ssrc: ssrc, t0: t, last: t, lastTS: ts, early: math.Inf(1), winStart: t, winMin: math.Inf(1)}
}

// checkDrift takes one audio packet of the peer's.
func checkDrift(exp docExpect, d *driftState, p docPacket, ssrc uint32) []finding {
	rate := float64(max(exp.rate, 8000))
	ts := uint32(p.data[4])<<24 | uint32(p.data[5])<<16 | uint32(p.data[6])<<8 | uint32(p.data[7])
	step := int64(int32(ts - d.lastTS))
	if !d.on || ssrc != d.ssrc || p.t.Sub(d.last) >= driftGap || step < 0 || float64(step) > rate {
		d.reset(p.t, ssrc, ts)
		return nil
	}
	d.ext += step
	d.last, d.lastTS = p.t, ts
	wall := p.t.Sub(d.t0).Seconds()
	transit := wall - float64(d.ext)/rate
	if p.t.Sub(d.t0) < driftWin {
		if transit < d.early {
			d.early, d.earlyAt = transit, wall
		}
		return nil
	}
	if p.t.Sub(d.winStart) < driftWin {
		if transit < d.winMin {
			d.winMin, d.winMinAt = transit, wall
		}
		return nil
	}
	late, lateAt := d.winMin, d.winMinAt
	d.winStart, d.winMin, d.winMinAt = p.t, transit, wall
	if math.IsInf(late, 1) || p.t.Sub(d.t0) < driftOver || lateAt <= d.earlyAt {
		return nil
	}
	drift := (d.early - late) / (lateAt - d.earlyAt) // > 0: the peer's timestamps run fast
	if math.Abs(drift) <= driftLimit {
		return nil
	}
	return []finding{{"clock_drift", fmt.Sprintf(
		"the peer's RTP clock runs %+.1f %% (%+.0f ppm) against ours over %.0f s: its timestamps advance %.0f Hz, not %.0f; check its codec clock rate and its sound card clock (its audio will under/overflow our jitter buffer)",
		drift*100, drift*1e6, wall, rate*(1+drift), rate), ""}}
}
