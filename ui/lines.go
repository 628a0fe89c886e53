package ui

import "strings"

// lineCore is what swap, conference and split need of the phone (*phone.Phone has it); an
// interface of its own so that test doubles of Core need not have it.
type lineCore interface {
	Swap() error
	Conference(id1, id2 string) error
	Split(id string) error
}

func (u *UI) lines() (lineCore, bool) {
	l, ok := u.core.(lineCore)
	if !ok {
		u.logf(levelError, "this phone has no lines (swap, conference, split)")
	}
	return l, ok
}

// swap holds the active call and resumes the held one.
func (u *UI) swap(any) {
	if l, ok := u.lines(); ok {
		u.logf(levelInfo, "swapping calls")
		u.run("swap", l.Swap)
	}
}

// conference joins the selected call (or, with none selected, the two answered calls) with the
// other answered call, or with other when given.
func (u *UI) conference(other string) {
	l, ok := u.lines()
	if !ok {
		return
	}
	id := ""
	if c := u.selectedCall(); c != nil && c.info.State.Live() {
		id = c.info.ID
	}
	if id == other {
		id = ""
	}
	u.logf(levelInfo, strings.TrimSpace("conference "+id+" "+other))
	u.run("conference", func() error { return l.Conference(id, other) })
}

// split takes the selected call's conference apart; the selected call stays active.
func (u *UI) split(any) {
	l, ok := u.lines()
	if !ok {
		return
	}
	id := ""
	if c := u.selectedCall(); c != nil && c.info.State.Live() && len(c.info.Conference) > 0 {
		id = c.info.ID
	}
	u.logf(levelInfo, strings.TrimSpace("split "+id))
	u.run("split", func() error { return l.Split(id) })
}
