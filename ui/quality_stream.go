package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/sipterm/sipterm/phone"
)

// The quality pane's live stream facts: the codec and ptime in use (a line when they change, as
// after a re-INVITE), the peer's SSRC (a line when it changes) and its talkspurt starts (marker
// bits: counted, the last few shown with their time).

const (
	qKeepChanges = 4 // change lines shown
	qKeepSpurts  = 5 // talkspurt times shown
)

type qChange struct {
	at   time.Time
	text string
}

// qStream is what the pane knows of a call's media stream.
type qStream struct {
	codec      string
	ptime      int
	ssrc       uint32
	haveSSRC   bool
	talkspurts int
	spurts     []time.Time
	changes    []qChange
}

func (s *qStream) change(at time.Time, text string) {
	s.changes = append(s.changes, qChange{at, text})
	if len(s.changes) > qKeepChanges {
		s.changes = s.changes[len(s.changes)-qKeepChanges:]
	}
}

// media takes a media event: the codec and ptime now in use.
func (s *qStream) media(at time.Time, codec string, ptime int) {
	if codec == s.codec && ptime == s.ptime {
		return
	}
	now := fmt.Sprintf("%s %s", orDash(codec), ptimeText(ptime))
	if s.codec == "" {
		s.change(at, "codec "+now)
	} else {
		s.change(at, fmt.Sprintf("codec %s %s → %s", s.codec, ptimeText(s.ptime), now))
	}
	s.codec, s.ptime = codec, ptime
}

// stream takes a stream event: a new SSRC of the peer's, or talkspurts.
func (s *qStream) stream(at time.Time, e phone.EventStream) {
	if !e.At.IsZero() {
		at = e.At
	}
	switch {
	case e.What == "ssrc" && !s.haveSSRC:
		s.change(at, fmt.Sprintf("peer stream starts, SSRC %08x", e.SSRC))
	case e.What == "ssrc" && e.SSRC != s.ssrc:
		s.change(at, fmt.Sprintf("peer SSRC %08x → %08x", s.ssrc, e.SSRC))
	}
	s.ssrc, s.haveSSRC = e.SSRC, true
	if e.Talkspurts > s.talkspurts {
		s.spurts = append(s.spurts, at)
		if len(s.spurts) > qKeepSpurts {
			s.spurts = s.spurts[len(s.spurts)-qKeepSpurts:]
		}
	}
	s.talkspurts = max(s.talkspurts, e.Talkspurts)
}

func ptimeText(ms int) string {
	if ms <= 0 {
		return ""
	}
	return fmt.Sprintf("%d ms", ms)
}

// lines are the pane's stream lines, times in loc; the talkspurt times that fit in w.
func (s *qStream) lines(loc *time.Location, w int) []string {
	ssrc := "-"
	if s.haveSSRC {
		ssrc = fmt.Sprintf("%08x", s.ssrc)
	}
	l := fmt.Sprintf("stream  %s %s  peer SSRC %s  talkspurts %d", orDash(s.codec), ptimeText(s.ptime), ssrc, s.talkspurts)
	var ts []string
	for _, t := range s.spurts {
		ts = append(ts, t.In(loc).Format("15:04:05"))
	}
	for len(ts) > 0 && len(l)+len(" (last )")+len(strings.Join(ts, " ")) > w {
		ts = ts[1:] // the oldest give way
	}
	if len(ts) > 0 {
		l += " (last " + strings.Join(ts, " ") + ")"
	}
	out := []string{l}
	for _, c := range s.changes {
		out = append(out, "  "+c.at.In(loc).Format("15:04:05")+" "+c.text)
	}
	return out
}
