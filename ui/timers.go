package ui

import (
	"fmt"

	"github.com/gdamore/tcell/v2"
)

// timersCore is the phone's do-not-disturb and redirect; a core without them (a test double)
// gets an error line instead.
type timersCore interface {
	SetDND(on bool) error
	DND() bool
	Redirect(id, target string) error
}

// dndState reads do-not-disturb at start (dnd = true in the config).
func (u *UI) dndState() bool {
	if tc, ok := u.core.(timersCore); ok {
		return tc.DND()
	}
	return false
}

// dndToggle turns do-not-disturb on or off (key D).
func (u *UI) dndToggle(*tcell.EventKey) { u.setDND(!u.st.dnd) }

// setDND asks the phone; the dnd event updates the status bar.
func (u *UI) setDND(on bool) {
	tc, ok := u.core.(timersCore)
	if !ok {
		u.logf(levelError, "do not disturb: not supported by this phone")
		return
	}
	u.run("dnd", func() error { return tc.SetDND(on) })
}

// redirectAsk prompts for where to send the ringing call (key f).
func (u *UI) redirectAsk(*tcell.EventKey) {
	c := u.ringingCall()
	if c == nil {
		u.logf(levelWarn, "no ringing call to redirect")
		return
	}
	u.openInput(modeRedirect, "redirect "+c.info.ID+" to: ", "")
}

// redirectTo sends the ringing call elsewhere with 302.
func (u *UI) redirectTo(target string) {
	c := u.ringingCall()
	if c == nil {
		u.logf(levelWarn, "no ringing call to redirect")
		return
	}
	tc, ok := u.core.(timersCore)
	if !ok {
		u.logf(levelError, "redirect: not supported by this phone")
		return
	}
	id := c.info.ID
	u.logf(levelInfo, fmt.Sprintf("redirecting %s to %s", id, target))
	u.run("redirect "+id, func() error { return tc.Redirect(id, target) })
}
