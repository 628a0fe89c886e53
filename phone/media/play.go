package media

import (
	"time"

	"github.com/sipterm/sipterm/audio"
)

// Playback has two drivers. A device that plays on a clock of its own (audio.PlaySourcer:
// PortAudio's playback callback) asks the session for each frame when it mixes one: pullFrame,
// on the device's audio thread. Any other stream (null, file, the shared clock's, a failed
// device's stand-in) gets one frame Written per captured frame, from tick. Both go through
// playLocked, so the jitter buffer is popped once per 20 ms of whichever clock plays.
//
// Lock order on the pulled path: the device's callback lock, then Session.mu. So nothing may
// call into the device (open or close a stream) while holding Session.mu if that call could
// wait for a callback; audio.PlaySourcer's Close takes no callback lock, which is what lets
// replaceStream and Start call the device under Session.mu.

// feedbackState is the DTMF digit being sent, whose tone the user hears quietly; set by the
// send side each tick, played by playLocked. Guarded by Session.mu.
type feedbackState struct {
	on  bool
	ev  uint8
	pos int // samples of this digit's tone played so far (its phase)
}

// setFeedbackLocked records this tick's DTMF feedback: ev >= 0 is the digit being sent.
func (s *Session) setFeedbackLocked(ev int) {
	if ev < 0 {
		s.fb.on = false
		return
	}
	if !s.fb.on || s.fb.ev != uint8(ev) {
		s.fb = feedbackState{on: true, ev: uint8(ev)}
	}
}

// pullPlayback hands st's playback to the device's clock when st has one (audio.PlaySourcer)
// and reports whether it did; then tick only captures and sends.
func (s *Session) pullPlayback(st audio.Stream) bool {
	ps, ok := st.(audio.PlaySourcer)
	if ok {
		ps.SetPlaySource(s.pullFrame)
	}
	return ok
}

// pullFrame is the play source: the device's callback calls it for each frame it mixes. It
// must not allocate or block for longer than Session.mu is held elsewhere.
func (s *Session) pullFrame(frame []int16) { s.pullFrameAt(frame, time.Now()) }

func (s *Session) pullFrameAt(frame []int16, now time.Time) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closing || !s.started || len(frame) != s.frameLen() {
		clear(frame)
		return
	}
	for range s.pull.behind(now) {
		s.rx.jb.skip()
	}
	s.playLocked(frame)
}

// A device's playback clock loses time the capture clock does not: an output underflow plays
// silence for as long as the callback was late, and a reopen for as long as it took, and no
// pull is made for that time. The peer's packets keep arriving meanwhile, so without a
// catch-up the jitter buffer would hold that much more for the rest of the call (measured:
// 400-640 ms baresip->sipterm on a loaded box). pullClock counts pulls against the wall clock
// and has the jitter buffer skip what a stall cost beyond pullSlack.
const (
	pullSlack = 2 * audio.FrameDuration // a late callback or two is the device's own buffer's business
	// pullResync: further off than this (a suspended machine, a device reopened after
	// seconds) the schedule starts over instead of skipping.
	pullResync = 2 * time.Second
	// pullSkipMax bounds the frames skipped in one pull (the callback's time).
	pullSkipMax = 10
)

// pullClock is the schedule of pulls (one per 20 ms); guarded by Session.mu.
type pullClock struct {
	start time.Time
	n     int64 // frames pulled (or skipped) since start
}

// behind counts the pull made at now and returns how many frames to skip first to be back
// within pullSlack of the schedule.
func (c *pullClock) behind(now time.Time) int {
	due := c.start.Add(time.Duration(c.n) * audio.FrameDuration)
	late := now.Sub(due)
	if c.start.IsZero() || late > pullResync || late < -pullResync {
		c.start, c.n = now, 1
		return 0
	}
	skip := 0
	if late > pullSlack {
		skip = min(int((late-pullSlack)/audio.FrameDuration)+1, pullSkipMax)
	}
	c.n += int64(skip) + 1
	return skip
}

// playLocked fills spk (one frame at the session's rate) with what the user hears next: the
// peer from the jitter buffer (or comfort noise), silence on hold or when detached, the DTMF
// feedback tone; it also hands the frame to a conference and measures its level.
func (s *Session) playLocked(spk []int16) {
	if s.params.Direction.receives() {
		s.rx.cn.play(spk, s.rx.jb.pop(spk), s.rate)
	} else {
		s.rx.jb.idle()
		clear(spk)
	}
	if s.mix != nil {
		s.mix.Publish(spk)
	}
	if s.detached {
		clear(spk)
	}
	if s.fb.on {
		mixDTMFToneAt(spk, s.fb.ev, s.fb.pos, s.rate)
		s.fb.pos += len(spk)
	}
	s.levels.spk = dbfs(spk)
}
