package audio

// PlaySourcer is a Stream whose device plays on a clock of its own (PortAudio's playback
// callback). Instead of queueing what the call's goroutine Writes, the device can ask the call
// for each frame at the moment it mixes one: the playback clock then drives playback, the
// capture clock drives sending, and no queue between two threads that stall independently
// runs dry or overfills.
type PlaySourcer interface {
	Stream
	// SetPlaySource makes the device call fn for every frame it plays (fn fills frame, 20 ms at
	// the stream's rate) instead of taking Written frames; nil returns to Write. fn runs on
	// the device's audio thread with the device's callback lock held: it must not block for
	// long, allocate, or wait for anything that calls into the device (Open, Close). It may be
	// called once more after the stream's Close has returned.
	SetPlaySource(fn func(frame []int16))
}

var _ PlaySourcer = (*paStream)(nil)

// SetPlaySource: see PlaySourcer. Written frames are dropped from now on, with those still
// queued (the source is what plays now).
func (s *paStream) SetPlaySource(fn func(frame []int16)) {
	if fn == nil {
		s.src.Store(nil)
		return
	}
	s.src.Store(&fn)
	for s.play.len() > 0 {
		s.play.drop()
	}
}

// pulled mixes one frame of s from its play source, if it has one; false when s plays from its
// queue. Called with playMu held: the lock order is playMu, then whatever the source takes (a
// call's own lock), then the device's mu; nothing may wait for playMu while holding either.
func (d *PortAudioDevice) pulled(s *paStream) bool {
	fn := s.src.Load()
	if fn == nil {
		return false
	}
	(*fn)(s.out)
	s.conv.add(s.out, d.mix)
	return true
}
