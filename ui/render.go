package ui

import (
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sipterm/sipterm/phone"
)

// renderStatus draws the status bar: listen addresses, audio device, registrations, clock; or,
// while a call rings, a flashing banner nobody can miss.
func (u *UI) renderStatus() {
	now := u.now()
	u.v.clock.SetText(now.In(u.loc).Format("15:04:05") + " ")
	if c := u.ringingCall(); c != nil {
		st := u.th.ringing(u.flash)
		u.v.status.SetTextStyle(st)
		u.v.status.SetBackgroundColor(bgOf(st))
		u.v.status.SetText(clean(fmt.Sprintf(" >>> INCOMING CALL %s from %s   a answer  r reject",
			c.info.ID, c.info.Remote)))
		return
	}
	u.v.status.SetTextStyle(u.th.bar())
	u.v.status.SetBackgroundColor(bgOf(u.th.bar()))
	title := u.opts.Title
	if title == "" {
		title = "sipterm"
	}
	audio := u.st.audio
	if audio == "" {
		audio = "-"
	}
	parts := []string{
		" " + title,
		joinOr(compactListen(u.st.listen), " ", "not listening"),
		"audio: " + audio,
		u.regSummary(),
	}
	if u.st.dnd {
		parts = append(parts, "DND")
	}
	u.v.status.SetText(clean(strings.Join(parts, " │ ")))
}

// regSummary is "reg 1/2" or "reg 1/2 (bob failed)".
func (u *UI) regSummary() string {
	total, ok := 0, 0
	var failed []string
	for _, a := range u.st.accounts {
		if a.State == phone.RegNone {
			continue
		}
		total++
		switch a.State {
		case phone.RegRegistered:
			ok++
		case phone.RegFailed:
			failed = append(failed, a.Name)
		}
	}
	if total == 0 {
		if len(u.st.accounts) == 0 {
			return "no accounts"
		}
		return "direct IP"
	}
	s := fmt.Sprintf("reg %d/%d", ok, total)
	if len(failed) > 0 {
		s += " (" + strings.Join(failed, ",") + " failed)"
	}
	return s
}

// resizePanes fits the Accounts and Calls panes to their rows for a screen height; the call
// detail and the log share the rest.
func (u *UI) resizePanes(screenH int) {
	limit := max(1, (screenH-12)/4)
	acc := min(max(len(u.st.accounts), 1), limit) + 3 // borders and header
	calls := min(max(len(u.st.order), 2), max(2, (screenH-12)/3)) + 3
	if acc != u.v.accH {
		u.v.accH = acc
		u.v.main.ResizeItem(u.v.accounts, acc, 0)
	}
	if calls != u.v.callsH {
		u.v.callsH = calls
		u.v.main.ResizeItem(u.v.calls, calls, 0)
	}
}

func (u *UI) headerCell(s string) *tview.TableCell {
	st := u.th.style().Bold(true)
	if !u.th.mono {
		st = st.Foreground(u.th.header)
	}
	return tview.NewTableCell(s).SetStyle(st).SetSelectable(false)
}

func (u *UI) cell(s string, c tcell.Color) *tview.TableCell {
	st := u.th.style()
	if !u.th.mono && c != tcell.ColorDefault {
		st = st.Foreground(c)
	}
	return tview.NewTableCell(clean(s)).SetStyle(st)
}

func (u *UI) renderAccounts() {
	t := u.v.accounts
	t.Clear()
	for i, h := range []string{"NAME", "AOR", "STATE", "REFRESH", "LAST ERROR"} {
		t.SetCell(0, i, u.headerCell(h))
	}
	if len(u.st.accounts) == 0 {
		t.SetCell(1, 1, u.cell("no accounts", u.th.dim).SetSelectable(false))
		return
	}
	now := u.now()
	for r, a := range u.st.accounts {
		row := r + 1
		refresh := "-"
		if !a.Expires.IsZero() {
			refresh = "in " + shortDur(a.Expires.Sub(now))
		}
		lastErr := a.LastError
		if lastErr == "" && a.State == phone.RegFailed && a.Code != 0 {
			lastErr = fmt.Sprintf("%d %s", a.Code, a.Reason)
		}
		t.SetCell(row, 0, u.cell(a.Name, tcell.ColorDefault))
		aor, aorColor := a.AOR, tcell.ColorDefault
		if a.Transport == "tls" || a.Transport == "tcp" {
			aor += " [" + a.Transport + "]"
		}
		if a.TLSInsecure { // the person must see that nobody checks the server
			aor, aorColor = a.AOR+" [TLS UNVERIFIED]", u.th.warn
		}
		t.SetCell(row, 1, u.cell(aor, aorColor).SetMaxWidth(56))
		t.SetCell(row, 2, u.cell(string(a.State), u.regColor(a.State)))
		t.SetCell(row, 3, u.cell(refresh, tcell.ColorDefault))
		t.SetCell(row, 4, u.cell(lastErr, u.th.bad).SetExpansion(1))
	}
}

func (u *UI) regColor(s phone.RegState) tcell.Color {
	switch s {
	case phone.RegRegistered:
		return u.th.ok
	case phone.RegFailed:
		return u.th.bad
	case phone.RegRegistering:
		return u.th.warn
	}
	return u.th.dim
}

func (u *UI) renderCalls() {
	t := u.v.calls
	t.Clear()
	for i, h := range []string{"ID", "DIR", "REMOTE", "STATE", "TIME", "CODEC", "QUALITY"} {
		t.SetCell(0, i, u.headerCell(h))
	}
	if len(u.st.order) == 0 {
		t.SetCell(1, 2, u.cell("no calls — d to dial", u.th.dim).SetSelectable(false))
		return
	}
	now := u.now()
	selRow := 0
	for r, id := range u.st.order {
		e := u.st.calls[id]
		c := e.info
		row := r + 1
		if id == u.st.selected {
			selRow = row
		}
		state := string(c.State)
		if c.State == phone.StateTerminated && c.Code != 0 {
			state = fmt.Sprintf("terminated %d", c.Code)
		}
		if c.Muted {
			state += " muted"
		}
		if c.RemoteHeld {
			state += " rheld"
		}
		if len(c.Conference) > 0 {
			state += " conf+" + strings.Join(c.Conference, ",")
		}
		dir := "→"
		if c.Direction == phone.DirIn {
			dir = "←"
		}
		cells := []*tview.TableCell{
			u.cell(c.ID, tcell.ColorDefault),
			u.cell(dir+" "+string(c.Direction), tcell.ColorDefault),
			u.cell(c.Remote, tcell.ColorDefault).SetMaxWidth(34).SetExpansion(1),
			u.cell(state, u.callColor(c.State)),
			u.cell(clockDur(c.Duration(now)), tcell.ColorDefault),
			u.cell(orDash(c.Codec)+srtpMark(c), tcell.ColorDefault),
			u.cell(quality(c.Stats), tcell.ColorDefault),
		}
		for i, cell := range cells {
			if e.hist { // an earlier call: dimmed (in mono too)
				st := u.th.style().Dim(true)
				if !u.th.mono {
					st = st.Foreground(u.th.dim)
				}
				cell.SetStyle(st)
			}
			if c.State == phone.StateIncoming {
				st := u.th.ringing(true)
				cell.SetStyle(st).SetSelectedStyle(st.Reverse(true))
				if i == 3 {
					cell.SetText("INCOMING")
				}
			}
			t.SetCell(row, i, cell)
		}
	}
	if selRow > 0 {
		if r, _ := t.GetSelection(); r != selRow {
			t.Select(selRow, 0)
		}
	}
}

// callAtRow maps a Calls row to a call id.
func (u *UI) callAtRow(row int) string {
	if row < 1 || row > len(u.st.order) {
		return ""
	}
	return u.st.order[row-1]
}

func (u *UI) callColor(s phone.CallState) tcell.Color {
	switch s {
	case phone.StateEstablished:
		return u.th.ok
	case phone.StateHeld:
		return u.th.warn
	case phone.StateTerminated:
		return u.th.dim
	case phone.StateIncoming:
		return u.th.bad
	}
	return u.th.warn
}

// renderMessage shows the latest warning or error for a while.
func (u *UI) renderMessage() {
	f := u.st.flash
	if f.text == "" || u.now().Sub(f.t) > 15*time.Second {
		u.v.message.SetText("")
		return
	}
	u.v.message.SetText(" " + u.levelColor(f.lvl) + clean(f.text) + u.th.reset())
}

// quality is "MOS 4.3 0.1%" once media statistics exist.
func quality(s phone.MediaStats) string {
	if s.MOS == 0 && s.PacketsReceived == 0 {
		return "-"
	}
	if s.MOS == 0 {
		return fmt.Sprintf("loss %.1f%%", s.LossPercent)
	}
	return fmt.Sprintf("MOS %.1f %.1f%%", s.MOS, s.LossPercent)
}

// clockDur formats a call duration as m:ss or h:mm:ss.
func clockDur(d time.Duration) string {
	if d <= 0 {
		return "-"
	}
	s := int(d / time.Second)
	if s >= 3600 {
		return fmt.Sprintf("%d:%02d:%02d", s/3600, s/60%60, s%60)
	}
	return fmt.Sprintf("%d:%02d", s/60, s%60)
}

// shortDur formats a remaining time as 3m20s, 45s or 1h2m.
func shortDur(d time.Duration) string {
	if d <= 0 {
		return "now"
	}
	d = d.Round(time.Second)
	switch {
	case d >= time.Hour:
		return fmt.Sprintf("%dh%dm", int(d.Hours()), int(d.Minutes())%60)
	case d >= time.Minute:
		return fmt.Sprintf("%dm%02ds", int(d.Minutes()), int(d.Seconds())%60)
	}
	return fmt.Sprintf("%ds", int(d.Seconds()))
}

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

// meter draws a level in dBFS (-60..0) as a bar of width w.
func meter(dbfs float64, w int) string {
	if math.IsNaN(dbfs) || math.IsInf(dbfs, 0) {
		dbfs = -60
	}
	f := (dbfs + 60) / 60
	f = math.Max(0, math.Min(1, f))
	n := int(math.Round(f * float64(w)))
	return strings.Repeat("█", n) + strings.Repeat("░", w-n)
}

// compactListen merges transports on one address: "udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"
// become "udp/tcp:127.0.0.1:5060".
func compactListen(listen []string) []string {
	var order []string
	byAddr := map[string][]string{}
	for _, l := range listen {
		tr, addr, ok := strings.Cut(l, ":")
		if !ok {
			tr, addr = "", l
		}
		if _, seen := byAddr[addr]; !seen {
			order = append(order, addr)
		}
		byAddr[addr] = append(byAddr[addr], tr)
	}
	out := make([]string, 0, len(order))
	for _, addr := range order {
		trs := strings.Join(byAddr[addr], "/")
		if trs == "" {
			out = append(out, addr)
			continue
		}
		out = append(out, trs+":"+addr)
	}
	return out
}
