package phone

import (
	"time"

	"github.com/sipterm/sipterm/phone/sdp"
)

// Live facts about the peer's RTP stream for the quality pane: SSRC changes and talkspurt starts
// (the marker bit on an audio packet). The doctor sees every packet, so it tells them; at most
// one event per streamEvery per call, carrying the latest figures (a peer marking every packet
// must not flood the event stream).

// EventStream: something changed in the peer's RTP stream.
type EventStream struct {
	ID         string
	What       string // "ssrc" (a new SSRC; also the first one) or "talkspurt" (a marker bit)
	SSRC       uint32 // the peer's SSRC now
	Talkspurts int    // talkspurt starts seen so far in the call
	At         time.Time
}

func (EventStream) isEvent() {}

const streamEvery = 250 * time.Millisecond

// streamState is what the stream watcher has seen and published.
type streamState struct {
	ssrc       uint32
	haveSSRC   bool
	talkspurts int
	pending    string // what is waiting to be published ("" nothing)
	lastPub    time.Time
}

// watchStream notes an audio packet of the peer's; it returns the event to publish, if one is due.
func (s *streamState) watch(id string, t time.Time, ssrc uint32, marker bool) (EventStream, bool) {
	switch {
	case !s.haveSSRC || ssrc != s.ssrc:
		s.ssrc, s.haveSSRC, s.pending = ssrc, true, "ssrc"
	case marker:
		s.talkspurts++
		if s.pending == "" {
			s.pending = "talkspurt"
		}
	}
	if s.pending == "" || t.Sub(s.lastPub) < streamEvery {
		return EventStream{}, false
	}
	e := EventStream{ID: id, What: s.pending, SSRC: s.ssrc, Talkspurts: s.talkspurts, At: t}
	s.pending, s.lastPub = "", t
	return e, true
}

// ptimeOf is the packet time in use: the peer's SDP ptime, else RFC 3551's 20 ms.
func ptimeOf(n sdp.Negotiated) int {
	if n.Ptime > 0 {
		return n.Ptime
	}
	return 20
}
