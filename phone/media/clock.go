package media

import (
	"errors"
	"sync"
	"time"

	"github.com/sipterm/sipterm/audio"
)

// errStreamClosed is returned by a closed clockStream.
var errStreamClosed = errors.New("media: stream closed")

// clockStream is an audio.Stream without hardware. Read waits for absolute deadlines
// (start + n*20 ms, so a late frame is caught up rather than lost) and returns silence, or, with
// loop > 0, the frame written loop frames earlier: the echo endpoint's delay line.
type clockStream struct {
	start time.Time
	n     int64
	timer *time.Timer
	done  chan struct{}
	once  sync.Once

	mu    sync.Mutex
	ring  [][maxFrameSamples]int16 // frames of any rate, the first len(frame) samples used
	head  int
	count int
}

func newClockStream(loop int) *clockStream {
	c := &clockStream{start: time.Now(), done: make(chan struct{}), timer: time.NewTimer(time.Hour)}
	c.timer.Stop()
	if loop > 0 {
		c.ring = make([][maxFrameSamples]int16, loop+8)
		c.count = loop // start with loop frames of silence in the line
	}
	return c
}

var _ audio.Puller = (*clockStream)(nil)

// Read waits for the next frame's deadline and fills frame.
func (c *clockStream) Read(frame []int16) error {
	c.n++
	due := c.start.Add(time.Duration(c.n) * audio.FrameDuration)
	wait := time.Until(due)
	if wait < -time.Second { // far behind (suspended?): start a new schedule instead of a burst
		c.start, c.n, wait = time.Now(), 0, 0
	}
	if wait > 0 {
		c.timer.Reset(wait)
		select {
		case <-c.timer.C:
		case <-c.done:
			c.timer.Stop()
			return errStreamClosed
		}
	} else {
		select {
		case <-c.done:
			return errStreamClosed
		default:
		}
	}
	return c.fill(frame)
}

// Pull fills frame at once: the shared clock paces (see audio.Puller).
func (c *clockStream) Pull(frame []int16, _, _ bool) error {
	select {
	case <-c.done:
		return errStreamClosed
	default:
	}
	return c.fill(frame)
}

func (c *clockStream) fill(frame []int16) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.count == 0 {
		clear(frame)
		return nil
	}
	copy(frame, c.ring[c.head][:len(frame)])
	c.head = (c.head + 1) % len(c.ring)
	c.count--
	return nil
}

// Write appends frame to the delay line (or drops it when there is none).
func (c *clockStream) Write(frame []int16) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if len(c.ring) == 0 {
		return nil
	}
	if c.count == len(c.ring) { // full: drop the oldest
		c.head = (c.head + 1) % len(c.ring)
		c.count--
	}
	i := (c.head + c.count) % len(c.ring)
	copy(c.ring[i][:], frame)
	c.count++
	return nil
}

// Close ends the stream and wakes a blocked Read.
func (c *clockStream) Close() error {
	c.once.Do(func() { close(c.done) })
	return nil
}
