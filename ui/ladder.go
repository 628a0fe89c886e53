package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

// ladderNote is what the ladder adds to a message beyond its first line: the time since the
// previous message of the call, whether it repeats an earlier one (a retransmission: same
// direction, first line and CSeq), and whether it carries an SDP that differs in media, direction
// or codecs from the previous SDP the same side sent.
type ladderNote struct {
	delta   time.Duration
	retrans bool
	sdp     sdpMark
}

type sdpMark int

const (
	sdpNone    sdpMark = iota
	sdpSame            // an SDP like the side's previous one
	sdpFirst           // the side's first SDP
	sdpChanged         // media, direction or codecs changed
)

// ladderNotes annotates a call's messages, in order.
func ladderNotes(msgs []phone.EventSIP) []ladderNote {
	notes := make([]ladderNote, len(msgs))
	seen := map[string]bool{}
	lastSDP := map[bool]string{} // by direction (true: ours)
	for i, m := range msgs {
		n := &notes[i]
		if i > 0 {
			n.delta = m.Time.Sub(msgs[i-1].Time)
		}
		key := fmt.Sprintf("%v|%s|%s", m.Out, m.Summary, sipHeader(m.Raw, "CSeq", ""))
		n.retrans = seen[key]
		seen[key] = true
		sig := sdpSignature(sipBody(m.Raw))
		switch prev, had := lastSDP[m.Out]; {
		case sig == "":
		case !had:
			n.sdp = sdpFirst
		case prev != sig && !n.retrans:
			n.sdp = sdpChanged
		default:
			n.sdp = sdpSame
		}
		if sig != "" {
			lastSDP[m.Out] = sig
		}
	}
	return notes
}

// sipHeader is a header's value in raw SIP text (long or compact name), "" if absent.
func sipHeader(raw, long, short string) string {
	for _, line := range strings.Split(raw, "\n") {
		line = strings.TrimRight(line, "\r")
		if line == "" {
			return ""
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if ok && (strings.EqualFold(name, long) || (short != "" && strings.EqualFold(name, short))) {
			return strings.TrimSpace(value)
		}
	}
	return ""
}

// sipBody is the message body after the blank line.
func sipBody(raw string) string {
	if _, b, ok := strings.Cut(raw, "\r\n\r\n"); ok {
		return b
	}
	if _, b, ok := strings.Cut(raw, "\n\n"); ok {
		return b
	}
	return ""
}

// sdpSignature keeps what makes two SDPs differ for a person reading a ladder: the connection
// address, each m= line (port and payload types), the direction and the codec maps. Origin
// versions, session names and ICE/crypto attributes are left out. "" when the body is no SDP.
func sdpSignature(body string) string {
	if !strings.HasPrefix(strings.TrimSpace(body), "v=0") {
		return ""
	}
	var keep []string
	dir := "sendrecv"
	for _, l := range strings.Split(body, "\n") {
		l = strings.TrimSpace(l)
		switch {
		case strings.HasPrefix(l, "c="), strings.HasPrefix(l, "m="), strings.HasPrefix(l, "a=rtpmap:"),
			strings.HasPrefix(l, "a=ptime:"):
			keep = append(keep, l)
		case l == "a=sendrecv" || l == "a=sendonly" || l == "a=recvonly" || l == "a=inactive":
			dir = l[2:]
		}
	}
	return strings.Join(keep, "|") + "|" + dir
}

// fmtDelta is a compact "+0.120" for the ladder's delta column (7 columns at most).
func fmtDelta(d time.Duration) string {
	s := d.Seconds()
	switch {
	case s < 10:
		return fmt.Sprintf("+%.3f", s)
	case s < 1000:
		return fmt.Sprintf("+%.1f", s)
	}
	return fmt.Sprintf("+%.0f", s)
}

// highlightRow restyles a drawn row (the ladder's selected line), keeping its text.
func highlightRow(screen tcell.Screen, x, y, w int, st tcell.Style) {
	for i := x; i < x+w; i++ {
		str, _, width := screen.Get(i, y)
		if str == "" || width == 0 { // the second half of a wide character
			continue
		}
		screen.Put(i, y, str, st)
	}
}

// ladderEnter opens the selected ladder line's message raw, or closes the one open. It reports
// whether the key was used (false: no ladder to open a line of).
func (u *UI) ladderEnter() bool {
	d := u.v.detail
	if d.open >= 0 {
		d.open, d.back = -1, d.openBack
		u.renderDetail()
		return true
	}
	c := u.selectedCall()
	if c == nil || d.raw {
		return false
	}
	msgs := u.st.ladders[c.info.ID]
	i := len(msgs) - 1 - d.back
	if i < 0 || i >= len(msgs) {
		return false
	}
	d.open, d.openBack, d.back = i, d.back, 1<<30 // the message from its first line
	u.renderDetail()
	return true
}
