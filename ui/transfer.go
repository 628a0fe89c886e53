package ui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
	"github.com/sipterm/sipterm/ui/command"
)

// xferUI is the TUI's part of transfers: what the open line is for, and the call waiting for
// a consultation call (T with one call).
type xferUI struct {
	from    string // t: the call the typed target is for
	consult string // T with one call: it was held, the next T transfers it to the new call
	asked   string // a peer's transfer waits for y/n in the line (refer_policy = ask)
}

// transferAsk (t) opens the line for the blind transfer target of the selected call.
func (u *UI) transferAsk(*tcell.EventKey) {
	c := u.activeCall()
	if c == nil || (c.info.State != phone.StateEstablished && c.info.State != phone.StateHeld) {
		u.logf(levelWarn, "transfer needs an answered call (select it)")
		return
	}
	u.st.xfer.from = c.info.ID
	u.openInput(modeTransfer, "transfer "+c.info.ID+" to: ", "")
}

// transferTo sends the blind transfer the line was opened for.
func (u *UI) transferTo(id, target string) {
	u.logf(levelInfo, fmt.Sprintf("transferring %s to %s", id, target))
	u.run("transfer "+id, func() error { return u.core.Transfer(id, target) })
}

// attended (T) joins the selected call with the other answered call (attended transfer);
// with only one call it holds it and opens the dial line for the consultation call.
func (u *UI) attended(*tcell.EventKey) {
	c := u.activeCall()
	if c == nil || !answeredState(c.info.State) {
		u.logf(levelWarn, "attended transfer needs an answered call (select it)")
		return
	}
	var others []string
	for _, id := range u.st.order {
		if o := u.st.calls[id]; o != c && answeredState(o.info.State) {
			others = append(others, id)
		}
	}
	switch len(others) {
	case 0:
		id := c.info.ID
		u.st.xfer.consult = id
		if !c.info.Held {
			u.run("hold "+id, func() error { return u.core.Hold(id) })
		}
		u.logf(levelInfo, fmt.Sprintf("%s held: dial the consultation call, then T joins them", id))
		u.openInput(modeDial, "consult: ", "")
	case 1:
		a, b := c.info.ID, others[0]
		if u.st.xfer.consult == b || (!c.info.Held && u.st.calls[b].info.Held) {
			a, b = b, a // the held (waiting) call is the one transferred
		}
		u.st.xfer.consult = ""
		u.logf(levelInfo, fmt.Sprintf("attended transfer: %s to the peer of %s", a, b))
		u.run("attended "+a+" "+b, func() error { return u.core.Attended(a, b) })
	default:
		u.logf(levelWarn, fmt.Sprintf("attended transfer: %d other calls, use :attended ID ID2", len(others)))
	}
}

func answeredState(s phone.CallState) bool {
	return s == phone.StateEstablished || s == phone.StateHeld
}

// onTransfer shows a transfer's progress; a peer's transfer that waits for the user opens a
// y/n line (or, with the line busy, says which command answers it).
func (u *UI) onTransfer(e phone.EventTransfer) {
	lvl := levelInfo
	what := "transfer"
	if e.Attended {
		what = "attended transfer"
	}
	var text string
	if e.Direction == "in" {
		text = fmt.Sprintf("%s: the peer's %s to %s: %s", e.ID, what, e.Target, e.State)
	} else {
		text = fmt.Sprintf("%s: %s to %s: %s", e.ID, what, e.Target, e.State)
	}
	if e.Code != 0 {
		text += fmt.Sprintf(" (%d)", e.Code)
	}
	if e.NewID != "" {
		text += ", new call " + e.NewID
	}
	if e.Reason != "" {
		text += ": " + e.Reason
	}
	if e.State == "failed" {
		lvl = levelWarn
	}
	u.logf(lvl, text)
	if e.State != "asked" {
		if u.st.xfer.asked == e.ID && u.st.mode == modeTransferAsk {
			u.closeInput()
		}
		return
	}
	if u.st.mode != modeNone {
		u.logf(levelWarn, fmt.Sprintf("%s: answer the transfer with :transfer-accept %s or :transfer-decline %s", e.ID, e.ID, e.ID))
		return
	}
	u.st.xfer.asked = e.ID
	u.openInput(modeTransferAsk, fmt.Sprintf("%s: the peer transfers you to %s. Accept? y/n ", e.ID, e.Target), "")
}

// answerTransfer accepts or declines a peer's transfer.
func (u *UI) answerTransfer(id string, accept bool) {
	verb := map[bool]string{true: "transfer-accept", false: "transfer-decline"}[accept]
	u.run(verb+" "+id, func() error { return u.core.AnswerTransfer(id, accept) })
}

// The ':' line's bare "attended" is the T key: it picks the calls as T does.
func init() {
	lineActions["attended"] = func(u *UI, c command.Command) string {
		if len(c.Rest) == 0 {
			u.attended(nil)
			return ""
		}
		u.runCommand(c)
		return ""
	}
}

// transferLineDone handles Enter on the transfer lines.
func (u *UI) transferLineDone(mode inputMode, text string) {
	switch mode {
	case modeTransfer:
		u.transferTo(u.st.xfer.from, text)
	case modeTransferAsk:
		id := u.st.xfer.asked
		u.st.xfer.asked = ""
		u.answerTransfer(id, strings.HasPrefix(strings.ToLower(text), "y"))
	}
}
