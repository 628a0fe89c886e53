package ui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sipterm/sipterm/phone"
)

// detailView shows the selected call: its state, media figures, level meters and the SIP ladder.
// It lays its lines out at draw time, when its width is known.
type detailView struct {
	*tview.Box
	u       *UI
	back    int    // ladder lines scrolled back from the newest (0: follow)
	raw     bool   // show the raw SIP messages instead of the ladder
	id      string // the call shown, to reset the scroll when it changes
	open    int    // ladder message shown raw (Enter on a ladder line), -1: none
	quality bool   // the quality pane instead of the ladder (key i)
	// openBack is the ladder's scroll while a message is open
	openBack int
}

func newDetailView(u *UI) *detailView { return &detailView{Box: tview.NewBox(), u: u, open: -1} }

// Draw draws the header lines, then as much of the ladder as fits, newest at the bottom.
func (d *detailView) Draw(screen tcell.Screen) {
	d.Box.DrawForSubclass(screen, d)
	x, y, w, h := d.GetInnerRect()
	if w <= 0 || h <= 0 {
		return
	}
	head, ladder := d.u.detailLines(w, h)
	row := 0
	for _, l := range head {
		if row >= h {
			return
		}
		tview.Print(screen, l, x, y+row, w, tview.AlignLeft, d.u.th.fg)
		row++
	}
	avail := h - row
	maxBack := len(ladder) - avail
	if d.selecting() {
		maxBack = len(ladder) - 1 // the bottom line is the selected one: it can go up to the first
	}
	if d.back > maxBack {
		d.back = max(0, maxBack)
	}
	start := max(0, len(ladder)-avail-d.back)
	sel := -1
	if d.selecting() && d.HasFocus() {
		sel = len(ladder) - 1 - d.back
	}
	for i := start; i < len(ladder) && row < h; i++ {
		tview.Print(screen, ladder[i], x, y+row, w, tview.AlignLeft, d.u.th.fg)
		if i == sel {
			highlightRow(screen, x, y+row, w, d.u.th.selected())
		}
		row++
	}
}

// selecting: the ladder is shown, so its bottom line is the one Enter opens.
func (d *detailView) selecting() bool { return !d.raw && d.open < 0 && !d.quality }

// InputHandler scrolls the ladder.
func (d *detailView) InputHandler() func(event *tcell.EventKey, setFocus func(p tview.Primitive)) {
	return d.WrapInputHandler(func(ev *tcell.EventKey, _ func(p tview.Primitive)) {
		switch {
		case ev.Key() == tcell.KeyUp || ev.Rune() == 'k':
			d.back++
		case ev.Key() == tcell.KeyDown || ev.Rune() == 'j':
			d.back = max(0, d.back-1)
		case ev.Key() == tcell.KeyPgUp:
			d.back += 10
		case ev.Key() == tcell.KeyPgDn:
			d.back = max(0, d.back-10)
		case ev.Key() == tcell.KeyHome || ev.Rune() == 'g':
			d.back = 1 << 30
		case ev.Key() == tcell.KeyEnd || ev.Rune() == 'G':
			d.back = 0
		}
	})
}

// MouseHandler scrolls with the wheel and takes focus on click.
func (d *detailView) MouseHandler() func(action tview.MouseAction, event *tcell.EventMouse, setFocus func(p tview.Primitive)) (bool, tview.Primitive) {
	return d.WrapMouseHandler(func(action tview.MouseAction, event *tcell.EventMouse, setFocus func(p tview.Primitive)) (bool, tview.Primitive) {
		if !d.InRect(event.Position()) {
			return false, nil
		}
		switch action {
		case tview.MouseScrollUp:
			d.back++
		case tview.MouseScrollDown:
			d.back = max(0, d.back-1)
		case tview.MouseLeftClick:
			setFocus(d)
		default:
			return false, nil
		}
		return true, nil
	})
}

// renderDetail updates the pane's title (the lines themselves are laid out when drawn).
func (u *UI) renderDetail() {
	d := u.v.detail
	if d.id != u.st.selected {
		d.id = u.st.selected
		d.back = 0
		d.open = -1
	}
	title := "Call"
	if c := u.selectedCall(); c != nil {
		title = "Call " + c.info.ID + " " + c.info.Remote
		if c.hist {
			title = "Earlier call " + c.info.Remote
		}
	}
	if d.raw {
		title += " — raw SIP (v: ladder)"
	} else if d.quality {
		title += " — quality (i: ladder)"
	} else if d.open >= 0 {
		title += fmt.Sprintf(" — message %d raw (Enter or Esc: ladder)", d.open+1)
	}
	d.SetTitle(" " + clean(title) + " ")
}

// detailLines builds the header lines and the ladder (or raw messages) for an inner size w×h.
// Short panes (80×24) get a two-line header so the ladder stays visible.
func (u *UI) detailLines(w, h int) (head, body []string) {
	c := u.selectedCall()
	if c == nil {
		return []string{u.th.tag(u.th.dim) + "No call selected. d dials; incoming calls show up in Calls." + u.th.reset()}, nil
	}
	compact := h < 10
	head = u.detailHeader(c, w, compact)
	if u.v.detail.quality {
		return head, u.qualityLines(c, w, h-len(head))
	}
	msgs := u.st.ladders[c.info.ID]
	if len(msgs) == 0 {
		return head, nil
	}
	if u.v.detail.raw {
		return head, u.rawLines(msgs)
	}
	if o := u.v.detail.open; o >= 0 && o < len(msgs) {
		return head, u.rawLines(msgs[o : o+1])
	}
	inner := w - 15 // "hh:mm:ss.mmm │" and the closing "│"
	deltas := w >= 60
	lead := 13
	if deltas {
		inner -= 8 // "+0.123 " before the lifeline
		lead += 8
	}
	if !compact {
		head = append(head, u.th.tag(u.th.dim)+fmt.Sprintf("%-*s%-*s%s", lead, "", max(inner-2, 2), "us", "peer")+u.th.reset())
	}
	for i, n := range ladderNotes(msgs) {
		body = append(body, u.ladderLine(msgs[i], n, inner, deltas))
	}
	return head, body
}

// detailHeader is the call's state line, media figures, level meters and DTMF.
func (u *UI) detailHeader(c *callEntry, w int, compact bool) []string {
	ci, s := c.info, c.info.Stats
	media := ci.MediaLocal != "" || s.PacketsReceived+s.PacketsSent > 0
	stats := s.PacketsReceived+s.PacketsSent > 0 || s.MOS > 0
	quality := fmt.Sprintf("MOS %.1f  loss %.1f%% (peer %.1f%%)  jitter %.1fms  rtt %.0fms", s.MOS,
		s.LossPercent, s.RemoteLossPercent, s.JitterMs, s.RTTMs)
	l1 := u.callLine(ci)
	if compact && stats {
		l1 += "  " + quality
	}
	head := []string{l1}
	if c.hist {
		when := ci.Created.In(u.loc).Format("2006-01-02 15:04:05")
		if !ci.Ended.IsZero() {
			when += " – " + ci.Ended.In(u.loc).Format("15:04:05")
		}
		head = append(head, u.th.tag(u.th.dim)+"from the call history: "+when+"   Enter or d: redial"+u.th.reset())
	}
	if media && !compact {
		if stats {
			head = append(head, quality+fmt.Sprintf("  jb %.0fms", s.JitterBufferMs))
		}
		head = append(head, fmt.Sprintf("rtp %s ⇄ %s  rx %d tx %d lost %d", orDash(ci.MediaLocal), orDash(ci.MediaRemote),
			s.PacketsReceived, s.PacketsSent, s.PacketsLost))
		if e := encryptionDetail(ci); e != "" {
			head = append(head, e)
		}
	}
	var parts []string
	if stats {
		bw := max(4, min(20, (w-40)/2))
		parts = append(parts, fmt.Sprintf("mic %s%s%s %3.0f dBFS  spk %s%s%s %3.0f dBFS",
			u.th.tag(u.th.ok), meter(s.MicDBFS, bw), u.th.reset(), s.MicDBFS,
			u.th.tag(u.th.ok), meter(s.SpeakerDBFS, bw), u.th.reset(), s.SpeakerDBFS))
	}
	if c.dtmf != "" || c.sent != "" {
		parts = append(parts, fmt.Sprintf("DTMF rx %s tx %s", orDash(clean(c.dtmf)), orDash(clean(c.sent))))
	}
	if len(parts) > 0 {
		head = append(head, strings.Join(parts, "  "))
	}
	for _, d := range c.diag { // the media-path doctor's findings
		for _, l := range findingLines(d, w, compact) {
			head = append(head, u.th.tag(u.th.warn)+l+u.th.reset())
		}
	}
	return head
}

// findingMaxLines bounds the lines one doctor finding takes in the call pane, so that a few of them
// leave the ladder in sight; the whole sentence is also in the Log pane and the log file.
const findingMaxLines = 3

// findingLines is one doctor finding as "⚠ " and its words wrapped at the pane's width w under a
// hanging indent (escaped for tview), at most findingMaxLines with "…" where it is cut. A compact
// (short) pane gives each finding one line.
func findingLines(text string, w int, compact bool) []string {
	limit := findingMaxLines
	if compact {
		limit = 1
	}
	lines := wrapWords(plain(text), w-2, w-2)
	if len(lines) > limit {
		lines = lines[:limit]
		last := []rune(lines[limit-1])
		if len(last) >= w-2 {
			last = last[:max(w-3, 0)]
		}
		lines[limit-1] = string(last) + "…"
	}
	for i, l := range lines {
		lead := "  "
		if i == 0 {
			lead = "⚠ "
		}
		lines[i] = lead + tview.Escape(l)
	}
	return lines
}

// callLine is "c1 out alice  established 0:38  PCMU  (muted)  200 answered".
func (u *UI) callLine(ci phone.CallInfo) string {
	l := fmt.Sprintf("%s %s %s  %s%s%s %s  %s", ci.ID, ci.Direction, clean(ci.Account),
		u.th.tag(u.callColor(ci.State)), ci.State, u.th.reset(), clockDur(ci.Duration(u.now())), orDash(ci.Codec)+srtpMark(ci))
	var flags []string
	if ci.Muted {
		flags = append(flags, "muted")
	}
	if ci.Held {
		flags = append(flags, "on hold")
	}
	if ci.RemoteHeld {
		flags = append(flags, "held by peer")
	}
	if len(ci.Conference) > 0 {
		flags = append(flags, "conference with "+strings.Join(ci.Conference, ", "))
	}
	if len(flags) > 0 {
		l += "  (" + strings.Join(flags, ", ") + ")"
	}
	if ci.State == phone.StateTerminated || ci.Reason != "" {
		l += fmt.Sprintf("  %d %s", ci.Code, clean(ci.Reason))
	}
	return l
}

// ladderLine draws one SIP message between our lifeline (left) and the peer's (right):
//
//	12:00:01.123 │─ INVITE sip:bob@example.org ───────→│
//	12:00:01.200 │←──────────────────── 180 Ringing ──│
//
// A retransmission is dimmed and marked ↻; an SDP is marked [SDP], one that changed media,
// direction or codecs [SDP Δ] in the warning color.
func (u *UI) ladderLine(m phone.EventSIP, n ladderNote, inner int, deltas bool) string {
	ts := m.Time.In(u.loc).Format("15:04:05.000")
	if deltas {
		ts += fmt.Sprintf(" %7s", fmtDelta(n.delta))
	}
	text := plain(m.Summary)
	var mark string
	switch {
	case n.retrans:
		mark = " ↻"
	case n.sdp == sdpChanged:
		mark = " [SDP Δ]"
	case n.sdp != sdpNone:
		mark = " [SDP]"
	}
	text += mark
	if inner < 8 {
		return ts + " " + arrowFor(m.Out) + " " + clean(text)
	}
	room := inner - 5
	if r := []rune(text); len(r) > room {
		text = string(r[:room-1]) + "…"
	}
	fill := strings.Repeat("─", inner-len([]rune(text))-4)
	var body string
	color := u.th.tag(u.th.title)
	switch {
	case n.retrans:
		color = u.th.tag(u.th.dim)
	case n.sdp == sdpChanged:
		color = u.th.tag(u.th.warn)
	case !m.Out:
		color = u.th.tag(u.th.header)
	}
	if m.Out {
		body = "─ " + color + clean(text) + u.th.reset() + " " + fill + "→"
	} else {
		body = "←" + fill + " " + color + clean(text) + u.th.reset() + " ─"
	}
	return ts + " │" + body + "│"
}

func arrowFor(out bool) string {
	if out {
		return "→"
	}
	return "←"
}

// rawLines is the raw view: each message under a line with its time, direction and addresses.
func (u *UI) rawLines(msgs []phone.EventSIP) []string {
	var out []string
	for _, m := range msgs {
		dir := "←  from " + m.Remote
		if m.Out {
			dir = "→  to " + m.Remote
		}
		out = append(out, u.th.tag(u.th.title)+"── "+m.Time.In(u.loc).Format("15:04:05.000")+"  "+clean(dir)+" ──"+u.th.reset())
		for _, l := range strings.Split(strings.TrimRight(m.Raw, "\r\n"), "\n") {
			out = append(out, clean(strings.TrimRight(l, "\r")))
		}
	}
	return out
}
