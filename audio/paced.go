package audio

import (
	"fmt"
	"sync"
	"sync/atomic"
)

// frameSource fills the frames a paced stream captures (silence, a looped file).
type frameSource interface {
	fill(frame []int16)
}

// frameSink takes the frames a paced stream plays (discard, a WAV recorder).
type frameSink interface {
	put(frame []int16) error
	close() error
}

// pacedStream is a Stream clocked by a pacer rather than by hardware: the null and file
// devices. Read and Write each take their own lock, so a reader and a writer goroutine never
// wait on each other.
type pacedStream struct {
	set      *streamSet
	counters *pacedCounters
	done     chan struct{}
	once     sync.Once

	readMu sync.Mutex
	pacer  *pacer
	src    frameSource

	writeMu sync.Mutex
	sink    frameSink
	err     error // first sink error; later writes return it

	frame int // samples per frame: FrameSamples, or 20 ms at the rate of OpenRate
}

// pacedCounters are shared by the streams of one device and feed its Stats.
type pacedCounters struct {
	frames, late, resyncs atomic.Uint64
}

func newPacedStream(set *streamSet, c *pacedCounters, src frameSource, sink frameSink) (*pacedStream, error) {
	s := &pacedStream{
		set:      set,
		counters: c,
		done:     make(chan struct{}),
		pacer:    newPacer(FrameDuration),
		src:      src,
		sink:     sink,
	}
	if err := set.add(s); err != nil {
		_ = sink.close()
		return nil, err
	}
	return s, nil
}

// Read waits for the stream's next frame deadline and fills frame from the source.
func (s *pacedStream) Read(frame []int16) error {
	if err := checkFrameLen("reading", frame, s.frame, s.done); err != nil {
		return err
	}
	s.readMu.Lock()
	defer s.readMu.Unlock()
	late, resync := s.pacer.late, s.pacer.resync
	if err := s.pacer.wait(s.done); err != nil {
		return err
	}
	s.counters.frames.Add(1)
	if s.pacer.late != late {
		s.counters.late.Add(1)
	}
	if s.pacer.resync != resync {
		s.counters.resyncs.Add(1)
	}
	s.src.fill(frame)
	return nil
}

// Write hands frame to the sink; it never waits for the clock.
func (s *pacedStream) Write(frame []int16) error {
	if err := checkFrameLen("writing", frame, s.frame, s.done); err != nil {
		return err
	}
	s.writeMu.Lock()
	defer s.writeMu.Unlock()
	if s.err != nil {
		return s.err
	}
	if err := s.sink.put(frame); err != nil {
		s.err = fmt.Errorf("writing audio: %w", err)
		return s.err
	}
	return nil
}

// Close stops the stream; a blocked Read returns ErrClosed. It is idempotent.
func (s *pacedStream) Close() error {
	var err error
	s.once.Do(func() {
		close(s.done)
		s.set.remove(s)
		s.readMu.Lock()
		s.pacer.stop()
		s.readMu.Unlock()
		s.writeMu.Lock()
		err = s.sink.close()
		s.writeMu.Unlock()
	})
	return err
}

func (c *pacedCounters) stats() Stats {
	return Stats{Frames: c.frames.Load(), LateFrames: c.late.Load(), Resyncs: c.resyncs.Load()}
}

// silence is the source of the null device and of a file device without a play file.
type silence struct{}

func (silence) fill(frame []int16) { clear(frame) }

// discard is the sink of the null device and of a file device without a record file.
type discard struct{}

func (discard) put([]int16) error { return nil }
func (discard) close() error      { return nil }
