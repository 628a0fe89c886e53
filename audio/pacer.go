package audio

import "time"

// maxCatchUp bounds how late a paced stream may fall before it restarts its clock. Within it a
// late reader gets the missed frames at once (catching up keeps the RTP timestamps and the wall
// clock in step); beyond it a burst would only flood the far end's jitter buffer.
const maxCatchUp = 200 * time.Millisecond

// pacer is the clock of a timer-paced stream: frame n is due at start+(n+1)*period, absolute
// deadlines rather than a time.Ticker, so a late wake-up is caught up and never drops a frame.
// The clock starts at the first wait, not at Open, so a stream opened early does not begin
// with a burst. It is not safe for concurrent use.
type pacer struct {
	period time.Duration
	start  time.Time
	n      int64
	timer  *time.Timer // one per stream, reused: no allocation per frame
	late   uint64
	resync uint64
}

func newPacer(period time.Duration) *pacer {
	t := time.NewTimer(time.Hour)
	t.Stop()
	return &pacer{period: period, timer: t}
}

// wait blocks until the next frame is due or done is closed (then it returns ErrClosed).
func (p *pacer) wait(done <-chan struct{}) error {
	now := time.Now()
	if p.start.IsZero() {
		p.start = now
	}
	p.n++
	due := p.start.Add(time.Duration(p.n) * p.period)
	d := due.Sub(now)
	switch {
	case d > 0:
		p.timer.Reset(d)
		select {
		case <-p.timer.C:
			return nil
		case <-done:
			p.timer.Stop()
			return ErrClosed
		}
	case -d > maxCatchUp:
		p.resync++
		p.start, p.n = now, 0
	case -d >= p.period:
		p.late++
	}
	select {
	case <-done:
		return ErrClosed
	default:
		return nil
	}
}

func (p *pacer) stop() { p.timer.Stop() }
