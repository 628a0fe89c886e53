package phone

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// group owns the goroutines the phone, its calls, commands and tones start: Close waits for
// them (wait), and names the ones that did not finish instead of hanging. Unlike a
// sync.WaitGroup it accepts new goroutines while someone waits (a call's hangup may start one
// while Close drains), so nothing has to be refused during shutdown.
type group struct {
	mu    sync.Mutex
	live  map[string]int // goroutine name -> how many run
	total int
	idle  chan struct{} // closed while total == 0
}

func newGroup() *group {
	idle := make(chan struct{})
	close(idle)
	return &group{live: map[string]int{}, idle: idle}
}

// Go runs f on a new goroutine owned by the group; name says what it is in wait's report.
func (g *group) Go(name string, f func()) {
	g.mu.Lock()
	if g.total == 0 {
		g.idle = make(chan struct{})
	}
	g.total++
	g.live[name]++
	g.mu.Unlock()
	go func() {
		defer g.done(name)
		f()
	}()
}

func (g *group) done(name string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.live[name]--; g.live[name] == 0 {
		delete(g.live, name)
	}
	if g.total--; g.total == 0 {
		close(g.idle)
	}
}

// wait returns nil once no goroutine of the group runs, or, when ctx ends first, an error
// naming those still running.
func (g *group) wait(ctx context.Context) error {
	for {
		g.mu.Lock()
		idle := g.idle
		g.mu.Unlock()
		select {
		case <-idle:
			g.mu.Lock()
			n := g.total
			g.mu.Unlock()
			if n == 0 {
				return nil
			}
			// another goroutine started after idle closed: wait for the new idle
		case <-ctx.Done():
			return fmt.Errorf("goroutines still running: %s", g.running())
		}
	}
}

// running lists the live goroutines by name, e.g. "call c3: hangup ×2, account alice: register".
func (g *group) running() string {
	g.mu.Lock()
	defer g.mu.Unlock()
	names := make([]string, 0, len(g.live))
	for name, n := range g.live {
		if n > 1 {
			name = fmt.Sprintf("%s ×%d", name, n)
		}
		names = append(names, name)
	}
	sort.Strings(names)
	return strings.Join(names, ", ")
}

// goPhone runs f on a goroutine owned by the phone's group.
func (p *Phone) goPhone(name string, f func()) { p.grp.Go(name, f) }

// goCall runs f on a goroutine owned by the phone's group, named after call c.
func (c *Call) goCall(name string, f func()) { c.p.grp.Go("call "+c.id+": "+name, f) }

// afterFunc is time.AfterFunc whose f runs on a goroutine owned by the group, so Close waits
// for a timer that already fired. Stop works as for time.AfterFunc.
func (p *Phone) afterFunc(d time.Duration, name string, f func()) *time.Timer {
	return time.AfterFunc(d, func() { p.grp.Go(name, f) })
}

// rootCtx is the phone's context, or Background before Start (calls made up in tests).
func (p *Phone) rootCtx() context.Context {
	if p.ctx == nil {
		return context.Background()
	}
	return p.ctx
}

// afterFunc is the phone's afterFunc, named after call c; the timer stops when the call ends.
func (c *Call) afterFunc(d time.Duration, name string, f func()) *time.Timer {
	t := c.p.afterFunc(d, "call "+c.id+": "+name, f)
	if c.ctx != nil {
		context.AfterFunc(c.ctx, func() { t.Stop() })
	}
	return t
}
