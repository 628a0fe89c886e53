package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"
)

// inputMode says what the bottom line is being used for.
type inputMode int

const (
	modeNone inputMode = iota
	modeDial
	modeCommand
	modeFilter
	modeReject
)

// maxHistory bounds the dial/command history.
const maxHistory = 100

// openInput turns the hint bar into the input line (event goroutine).
func (u *UI) openInput(m inputMode, label, text string) {
	u.st.mode = m
	u.st.suggested = false
	u.st.histPos = len(u.st.history)
	u.st.filterBefore = u.st.logFilter
	in := u.v.input
	in.SetLabel(label)
	switch m {
	case modeDial, modeCommand:
		in.SetPlaceholder("number, user, sip:uri or echo   (↑↓ history, Esc cancels)")
	default:
		in.SetPlaceholder("")
	}
	in.SetText(text)
	u.v.bottom.SwitchToPage("input")
	u.app.SetFocus(in)
}

// closeInput puts the hint bar back and returns the focus to the pane it came from.
func (u *UI) closeInput() {
	if u.st.mode == modeFilter {
		u.st.logFilter = u.st.filterBefore
		u.refreshLog()
	}
	u.st.mode = modeNone
	u.v.bottom.SwitchToPage("hint")
	u.app.SetFocus(u.v.panes[u.v.focus])
}

// inputChanged filters the log as the user types.
func (u *UI) inputChanged(text string) {
	if u.st.mode == modeFilter {
		u.st.logFilter = text
		u.refreshLog()
	}
}

// inputKey recalls the history with up/down, and lets typing replace a suggested line.
func (u *UI) inputKey(ev *tcell.EventKey) *tcell.EventKey {
	if u.st.mode != modeDial && u.st.mode != modeCommand {
		return ev
	}
	if u.st.suggested {
		switch ev.Key() {
		case tcell.KeyEnter, tcell.KeyEsc:
		case tcell.KeyRune, tcell.KeyBackspace, tcell.KeyBackspace2, tcell.KeyDelete:
			u.st.suggested = false
			u.v.input.SetText("")
			u.v.input.SetLabel("dial: ")
			if ev.Key() != tcell.KeyRune {
				return nil
			}
		default:
			u.st.suggested = false // moving the cursor, recalling: the user edits it
		}
	}
	switch ev.Key() {
	case tcell.KeyUp:
		if u.st.histPos > 0 {
			u.st.histPos--
			u.v.input.SetText(u.st.history[u.st.histPos])
		}
		return nil
	case tcell.KeyDown:
		if u.st.histPos < len(u.st.history)-1 {
			u.st.histPos++
			u.v.input.SetText(u.st.history[u.st.histPos])
		} else {
			u.st.histPos = len(u.st.history)
			u.v.input.SetText("")
		}
		return nil
	}
	return ev
}

// inputDone runs the line on Enter, or cancels on Esc.
func (u *UI) inputDone(k tcell.Key) {
	if k != tcell.KeyEnter {
		u.closeInput()
		return
	}
	text := strings.TrimSpace(u.v.input.GetText())
	mode := u.st.mode
	if mode == modeFilter {
		u.st.filterBefore = text // keep it
		u.closeInput()
		return
	}
	u.closeInput()
	if text == "" {
		return
	}
	switch mode {
	case modeReject:
		code, err := strconv.Atoi(text)
		if err != nil || code < 300 || code > 699 {
			u.logf(levelError, fmt.Sprintf("reject: %q is not a SIP status code (300-699)", text))
			return
		}
		u.rejectWith(code)
	case modeDial:
		u.remember(text)
		u.dialHist.append(text)
		u.dial(text)
	case modeCommand:
		u.remember(text)
		if target := u.command(text); target != "" {
			u.dialHist.append(target)
		}
	}
}

// remember adds a line to the history (no immediate duplicates).
func (u *UI) remember(text string) {
	h := u.st.history
	if len(h) > 0 && h[len(h)-1] == text {
		return
	}
	h = append(h, text)
	if len(h) > maxHistory {
		h = h[len(h)-maxHistory:]
	}
	u.st.history = h
}

// dial takes "target" or "account target".
func (u *UI) dial(text string) {
	account, target := "", text
	if f := strings.Fields(text); len(f) == 2 && u.hasAccount(f[0]) {
		account, target = f[0], f[1]
	} else if len(f) != 1 {
		u.logf(levelError, fmt.Sprintf("dial: %q: want a target, or an account name and a target", text))
		return
	}
	u.dialFrom(account, target)
}

func (u *UI) dialFrom(account, target string) {
	u.logf(levelInfo, "dialling "+target)
	u.run("dial "+target, func() error {
		id, err := u.core.Dial(account, target)
		if err == nil {
			u.logs.selectCall(id)
		}
		return err
	})
}

func (u *UI) hasAccount(name string) bool {
	for _, a := range u.st.accounts {
		if a.Name == name {
			return true
		}
	}
	return false
}
