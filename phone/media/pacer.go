package media

import (
	"runtime"
	"sync"
	"time"

	"github.com/sipterm/sipterm/audio"
)

// maxCatchUp bounds how late the shared clock may fall before it restarts its schedule (as the
// audio package's paced streams do): within it the missed frames are sent at once, beyond it a
// burst would only flood the peers' jitter buffers.
const maxCatchUp = 200 * time.Millisecond

// sharedPacer paces the send side of every session whose stream has no clock of its own (null
// and file devices, the echo endpoint): one timer and one goroutine for all calls instead of one
// each, which is most of the CPU a call costs when there are many.
var sharedPacer = &framePacer{period: audio.FrameDuration}

// paceClock is a deadline schedule: frame n is due at start+n*period, so a late wake-up is
// caught up (the next frames are due at once) rather than drifting. Not safe for concurrent use.
type paceClock struct {
	period time.Duration
	start  time.Time
	n      int64
}

// next advances to the next frame: wait is how long until it is due (<= 0: due now), late that
// it is at least a period overdue, resync that it was so late the schedule restarted at now.
func (c *paceClock) next(now time.Time) (wait time.Duration, late, resync bool) {
	c.n++
	wait = c.start.Add(time.Duration(c.n) * c.period).Sub(now)
	switch {
	case -wait > maxCatchUp:
		c.start, c.n = now, 0
		return 0, false, true
	case -wait >= c.period:
		return wait, true, false
	}
	return wait, false, false
}

// framePacer runs its members' steps once per period from one goroutine, which runs only while
// there are members.
type framePacer struct {
	period time.Duration

	mu      sync.Mutex
	members map[*pacedSender]struct{}
	running bool
	batch   []*pacedSender // reused by the pacing goroutine

	counters pacerCounters
}

// pacedSender is one member: step sends one frame (on sharedControl: checks the RTP timeout and
// sends a report when due) and returns false when the member is done;
// done is called exactly once, when step returned false or the member was removed.
type pacedSender struct {
	step func(late, resync bool) bool
	done func()

	mu      sync.Mutex // held while step runs, so remove waits for it
	stopped bool
	ended   bool // set by the pacing goroutine's last tick: step returned false or stopped
}

// add starts pacing m from the next tick.
func (p *framePacer) add(m *pacedSender) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.members == nil {
		p.members = make(map[*pacedSender]struct{})
	}
	p.members[m] = struct{}{}
	if !p.running {
		p.running = true
		go p.loop()
	}
}

// remove stops pacing m; once it returns m's step is not running and will not run again.
func (p *framePacer) remove(m *pacedSender) {
	m.stop()
	p.mu.Lock()
	delete(p.members, m)
	p.mu.Unlock()
}

func (m *pacedSender) stop() {
	m.mu.Lock()
	defer m.mu.Unlock()
	if !m.stopped {
		m.stopped = true
		m.done()
	}
}

// run does one step; it reports whether m is still a member.
func (m *pacedSender) run(late, resync bool) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.stopped {
		return false
	}
	if !m.step(late, resync) {
		m.stopped = true
		m.done()
		return false
	}
	return true
}

func (p *framePacer) loop() {
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	c := paceClock{period: p.period, start: time.Now()}
	for {
		wait, late, resync := c.next(time.Now())
		due := time.Now().Add(wait)
		if wait > 0 {
			timer.Reset(wait)
			<-timer.C
		}
		woke := time.Now()
		if !p.runAll(late, resync) {
			return
		}
		p.counters.tick(late, resync, woke.Sub(due), time.Since(woke))
	}
}

// runAll steps every member once; it returns false (and the goroutine ends) when none is left.
func (p *framePacer) runAll(late, resync bool) bool {
	p.mu.Lock()
	if len(p.members) == 0 {
		p.running = false
		p.mu.Unlock()
		return false
	}
	p.batch = p.batch[:0]
	for m := range p.members {
		p.batch = append(p.batch, m)
	}
	batch := p.batch
	p.mu.Unlock()
	p.stepAll(batch, late, resync)
	for i, m := range batch {
		if m.ended {
			p.mu.Lock()
			delete(p.members, m)
			p.mu.Unlock()
		}
		batch[i] = nil
	}
	return true
}

// parallelFrom is the batch size from which a tick's steps are spread over the cores: a step
// encodes a frame (an Opus one costs 0.1-0.4 ms of CPU), so 50 Opus calls in one goroutine take
// most of a 20 ms period while the other cores idle.
const parallelFrom = 8

// stepAll runs every member's step once, the batch cut into one contiguous share per core.
// Each member records in ended whether it left; only this tick touches it.
func (p *framePacer) stepAll(batch []*pacedSender, late, resync bool) {
	run := func(part []*pacedSender) {
		for _, m := range part {
			m.ended = !m.run(late, resync)
		}
	}
	workers := min(runtime.GOMAXPROCS(0), (len(batch)+parallelFrom-1)/parallelFrom)
	if workers <= 1 {
		run(batch)
		return
	}
	var wg sync.WaitGroup
	share := (len(batch) + workers - 1) / workers
	for lo := share; lo < len(batch); lo += share {
		wg.Add(1)
		go func(part []*pacedSender) {
			defer wg.Done()
			run(part)
		}(batch[lo:min(lo+share, len(batch))])
	}
	run(batch[:share])
	wg.Wait()
}
