package ui

import (
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"
)

// views holds the primitives. Only the event goroutine touches them.
type views struct {
	root     *tview.Pages
	status   *tview.TextView
	clock    *tview.TextView
	accounts *tview.Table
	calls    *tview.Table
	detail   *detailView
	log      *tview.TextView
	lower    *tview.Flex // detail + log: stacked when narrow, side by side when wide
	main     *tview.Flex
	message  *tview.TextView
	hint     *tview.TextView
	input    *tview.InputField
	bottom   *tview.Pages // "hint" or "input"
	help     *tview.TextView
	policy   *tview.Table // the answer-policy pane (p), made on first use
	confirm  *tview.TextView

	panes  []tview.Primitive // Tab order
	focus  int
	wide   bool
	tall   bool
	width  int // screen width the hint bar was built for
	accH   int // current height of the Accounts pane
	callsH int // current height of the Calls pane
}

// bellEvery is how often the bell rings again while a call is ringing.
const bellEvery = 3 * time.Second

// wideWidth is the width from which detail and log sit side by side.
const wideWidth = 120

// build creates the primitives (before Run; nothing is running yet).
func (u *UI) build() {
	u.v = &views{}
	v := u.v
	top := u.buildBars()
	u.buildPanes()
	u.buildInput()
	v.accH, v.callsH = 4, 5
	v.main = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(top, 1, 0, false).
		AddItem(v.accounts, v.accH, 0, false).
		AddItem(v.calls, v.callsH, 0, true).
		AddItem(v.lower, 0, 1, false).
		AddItem(v.message, 1, 0, false).
		AddItem(v.bottom, 1, 0, false)
	u.buildOverlays()
	v.root = tview.NewPages().
		AddPage("main", v.main, true, true).
		AddPage("help", v.help, true, false).
		AddPage("confirm", centered(v.confirm, 50, 5), true, false)

	v.panes = []tview.Primitive{v.calls, v.detail, v.log, v.accounts}
	for _, p := range v.panes {
		boxOf(p).SetFocusFunc(func() { u.focusPane(p) }) // mouse clicks move the focus too
	}
	u.app.SetRoot(v.root, true).SetFocus(v.calls)
	u.app.SetInputCapture(u.onKey)
	u.app.SetBeforeDrawFunc(u.beforeDraw)
	u.markFocus()
	u.renderAll()
}

// buildBars makes the status bar with its clock, the message line and the hint bar.
func (u *UI) buildBars() (top *tview.Flex) {
	th, v := u.th, u.v
	bar := func(tv *tview.TextView) *tview.TextView {
		tv.SetWrap(false).SetTextStyle(th.bar())
		tv.SetBackgroundColor(bgOf(th.bar()))
		return tv
	}
	v.status = bar(tview.NewTextView().SetDynamicColors(true))
	v.clock = bar(tview.NewTextView().SetTextAlign(tview.AlignRight))
	v.hint = bar(tview.NewTextView().SetDynamicColors(true))
	v.message = tview.NewTextView().SetDynamicColors(true).SetWrap(false)
	v.message.SetTextStyle(th.style())
	v.message.SetBackgroundColor(th.bg)
	return tview.NewFlex().AddItem(v.status, 0, 1, false).AddItem(v.clock, 10, 0, false)
}

// buildPanes makes Accounts, Calls, the call detail and the Log.
func (u *UI) buildPanes() {
	th, v := u.th, u.v
	v.accounts = u.newTable("Accounts")
	v.calls = u.newTable("Calls")
	v.calls.SetSelectionChangedFunc(func(row, _ int) {
		if id := u.callAtRow(row); id != "" && id != u.st.selected {
			u.st.selected = id
			u.renderDetail()
		}
	})
	v.detail = newDetailView(u)
	th.box(v.detail.Box, "Call")
	// long lines wrap at the pane's edge: nothing of them is lost at 80 columns
	v.log = tview.NewTextView().SetDynamicColors(true).SetScrollable(true).SetWrap(true).SetWordWrap(true)
	v.log.SetTextStyle(th.style())
	th.box(v.log.Box, "Log")
	v.log.ScrollToEnd()
	v.lower = tview.NewFlex().SetDirection(tview.FlexRow).
		AddItem(v.detail, 0, 2, false).
		AddItem(v.log, 0, 1, false)
}

// buildInput makes the dial/command/filter line, which shares the bottom row with the hints.
func (u *UI) buildInput() {
	th, v := u.th, u.v
	v.input = tview.NewInputField()
	v.input.SetBackgroundColor(th.bg)
	v.input.SetFieldStyle(th.style().Underline(th.mono))
	v.input.SetLabelStyle(th.style().Bold(true))
	v.input.SetPlaceholderStyle(th.style().Dim(true))
	v.input.SetDoneFunc(u.inputDone)
	v.input.SetChangedFunc(u.inputChanged)
	v.input.SetInputCapture(u.inputKey)
	v.bottom = tview.NewPages().AddPage("hint", v.hint, true, true).AddPage("input", v.input, true, false)
}

// buildOverlays makes the help screen and the quit question.
func (u *UI) buildOverlays() {
	th, v := u.th, u.v
	v.help = tview.NewTextView().SetDynamicColors(true).SetScrollable(true).SetWrap(false)
	v.help.SetTextStyle(th.style())
	th.box(v.help.Box, "Help — Esc/q/? to close")
	v.help.SetText(u.helpText(0)) // wrapped to the screen in beforeDraw
	v.confirm = tview.NewTextView().SetDynamicColors(true).SetTextAlign(tview.AlignCenter)
	v.confirm.SetTextStyle(th.style())
	th.box(v.confirm.Box, "Quit")
}

func (u *UI) newTable(title string) *tview.Table {
	t := tview.NewTable().SetSelectable(true, false).SetFixed(1, 0)
	t.SetSelectedStyle(u.th.selected())
	t.SetBackgroundColor(u.th.bg)
	u.th.box(t.Box, title)
	return t
}

// centered puts p in the middle of the screen at the given size.
func centered(p tview.Primitive, w, h int) tview.Primitive {
	return tview.NewFlex().
		AddItem(nil, 0, 1, false).
		AddItem(tview.NewFlex().SetDirection(tview.FlexRow).
			AddItem(nil, 0, 1, false).
			AddItem(p, h, 0, true).
			AddItem(nil, 0, 1, false), w, 0, true).
		AddItem(nil, 0, 1, false)
}

// beforeDraw adapts the layout to the screen size (event goroutine, during a draw).
func (u *UI) beforeDraw(screen tcell.Screen) bool {
	w, h := screen.Size()
	u.resizePanes(h)
	if tall := h >= 40; tall != u.v.tall {
		u.v.tall = tall
		if tall {
			u.v.lower.ResizeItem(u.v.log, 0, 2)
			u.v.lower.ResizeItem(u.v.detail, 0, 3)
		} else {
			u.v.lower.ResizeItem(u.v.log, 0, 1)
			u.v.lower.ResizeItem(u.v.detail, 0, 2)
		}
	}
	if w != u.v.width {
		u.v.width = w
		u.v.hint.SetText(u.hintText(w))
		u.v.help.SetText(u.helpText(w - 2)) // the help page fills the screen, in a border
	}
	wide := w >= wideWidth
	if wide != u.v.wide {
		u.v.wide = wide
		if wide {
			u.v.lower.SetDirection(tview.FlexColumn)
		} else {
			u.v.lower.SetDirection(tview.FlexRow)
		}
	}
	return false
}

// markFocus colors the focused pane's border.
func (u *UI) markFocus() {
	for i, p := range u.v.panes {
		b := boxOf(p)
		c := u.th.border
		attr := tcell.AttrNone
		if i == u.v.focus {
			c = u.th.focus
			attr = tcell.AttrBold
		}
		b.SetBorderStyle(tcell.StyleDefault.Foreground(c).Background(u.th.bg).Attributes(attr))
	}
}

func boxOf(p tview.Primitive) *tview.Box {
	switch p := p.(type) {
	case *tview.Table:
		return p.Box
	case *tview.TextView:
		return p.Box
	case *detailView:
		return p.Box
	}
	return tview.NewBox()
}

// moveFocus cycles the panes by delta (Tab, Backtab).
func (u *UI) moveFocus(delta int) {
	n := len(u.v.panes)
	u.v.focus = ((u.v.focus+delta)%n + n) % n
	u.app.SetFocus(u.v.panes[u.v.focus])
	u.markFocus()
}

// focusPane focuses a pane (mouse clicks).
func (u *UI) focusPane(p tview.Primitive) {
	for i, q := range u.v.panes {
		if q == p {
			u.v.focus = i
			u.markFocus()
		}
	}
}

// onTick advances the clock and the incoming-call flash (event goroutine).
func (u *UI) onTick() {
	now := u.now()
	u.flash = now.UnixMilli()/500%2 == 0
	if u.ringingCall() != nil && now.Sub(u.lastBell) >= bellEvery {
		u.bell()
	}
	u.renderStatus()
	u.renderAccounts()
	u.renderCalls()
	u.renderMessage()
}

// renderAll redraws every pane from the model.
func (u *UI) renderAll() {
	u.renderStatus()
	u.renderAccounts()
	u.renderCalls()
	u.renderDetail()
	u.renderMessage()
}
