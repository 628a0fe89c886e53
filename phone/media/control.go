package media

import "time"

// sharedControl runs every started session's control work (the RTP timeout check and the RTCP
// report schedule) from one goroutine at controlTick, as sharedPacer does for the send side:
// with hundreds of calls a goroutine each was a few MB of stacks for a check ten times a second.
// A step is a mutex, a comparison and, every few seconds, one sendto, so one session does not
// hold the others up; the callbacks it makes (OnStats, OnTimeout, OnNotice) must not block,
// as Config says.
var sharedControl = &framePacer{period: controlTick}

// startControl puts s on the shared control clock; Start calls it with s.mu held. The first
// report is due after a randomised interval, the later ones each a fresh one after the last.
func (s *Session) startControl() {
	next := time.Now().Add(s.rtcpInterval())
	m := &pacedSender{done: func() {}}
	m.step = func(_, _ bool) bool {
		next = s.controlStep(time.Now(), next)
		return true
	}
	s.control = m
	s.ctlClock.add(m)
}

// controlStep is one tick for s: the RTP timeout, then the report if it is due; it returns
// when the next report is due.
func (s *Session) controlStep(now, next time.Time) time.Time {
	s.checkTimeout(now)
	if now.Before(next) {
		return next
	}
	s.sendReport(now)
	return now.Add(s.rtcpInterval())
}

// stopControl takes s off the shared clock; once it returns no tick of s runs or will run, so
// Close may send the BYE and close the sockets.
func (s *Session) stopControl(m *pacedSender) {
	if m != nil {
		s.ctlClock.remove(m)
	}
}
