package audio

// Puller is a Stream without a clock of its own (the null and file devices). A caller that
// paces many streams from one shared clock calls Pull once per frame instead of Read, so the
// streams need no timer and no waiting goroutine each.
type Puller interface {
	Stream
	// Pull fills frame with the next captured frame without waiting. late says the caller's
	// clock delivers this frame late (it is catching up), resync that the clock restarted its
	// schedule; both only feed the device's Stats.
	Pull(frame []int16, late, resync bool) error
}

var _ Puller = (*pacedStream)(nil)

// Pull is Read without the stream's own clock: the caller paces.
func (s *pacedStream) Pull(frame []int16, late, resync bool) error {
	if err := checkFrameLen("reading", frame, s.frame, s.done); err != nil {
		return err
	}
	s.readMu.Lock()
	defer s.readMu.Unlock()
	s.counters.frames.Add(1)
	if late {
		s.counters.late.Add(1)
	}
	if resync {
		s.counters.resyncs.Add(1)
	}
	s.src.fill(frame)
	return nil
}
