package ui

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone/config"
)

// policyCore is the answer-policy part of the phone; a core without it has no policy pane.
type policyCore interface {
	Policies() []config.Policy
	DelPolicy(n int) error
	MovePolicy(n, m int) error
}

// policyPaneHelp is the pane's title: its keys.
const policyPaneHelp = "Answer policy — a add, e edit, d delete, K/J move up/down, Esc close"

// openPolicy shows the answer-policy pane (p).
func (u *UI) openPolicy(*tcell.EventKey) {
	if u.v.policy == nil {
		u.v.policy = u.newTable(policyPaneHelp)
		u.v.root.AddPage("policy", u.v.policy, true, false)
	}
	u.renderPolicy()
	u.v.root.SwitchToPage("policy")
	u.app.SetFocus(u.v.policy)
}

func (u *UI) renderPolicy() {
	t := u.v.policy
	t.Clear()
	for i, h := range []string{"#", "ACTION", "FROM", "USER", "SOURCE", "MORE"} {
		t.SetCell(0, i, u.headerCell(h))
	}
	pc, ok := u.core.(policyCore)
	if !ok {
		t.SetCell(1, 0, u.cell("the answer policy is not available here", u.th.dim))
		return
	}
	rules := pc.Policies()
	if len(rules) == 0 {
		t.SetCell(1, 1, u.cell("no rules: every call rings (a adds one)", u.th.dim))
	}
	any := func(s string) string {
		if s == "" {
			return "*"
		}
		return s
	}
	for i, r := range rules {
		var more []string
		for _, w := range r.Words() {
			if k, _, _ := strings.Cut(w, "="); k != "action" && !strings.HasPrefix(k, "match_") {
				more = append(more, w)
			}
		}
		row := i + 1
		t.SetCell(row, 0, u.cell(strconv.Itoa(row), tcell.ColorDefault))
		t.SetCell(row, 1, u.cell(r.Action, u.th.header))
		t.SetCell(row, 2, u.cell(any(r.MatchFrom), tcell.ColorDefault))
		t.SetCell(row, 3, u.cell(any(r.MatchUser), tcell.ColorDefault))
		t.SetCell(row, 4, u.cell(any(r.MatchSource), tcell.ColorDefault))
		t.SetCell(row, 5, u.cell(strings.Join(more, " "), tcell.ColorDefault))
	}
	if row, _ := t.GetSelection(); row < 1 || row > len(rules) {
		t.Select(1, 0)
	}
}

// policyKey handles a key on the policy pane (event goroutine). Editing goes through the ':'
// line (the one grammar), prefilled; delete and move act at once (a small local file write).
func (u *UI) policyKey(ev *tcell.EventKey) *tcell.EventKey {
	pc, _ := u.core.(policyCore)
	row, _ := u.v.policy.GetSelection()
	closePane := func() {
		u.v.root.SwitchToPage("main")
		u.app.SetFocus(u.v.panes[u.v.focus])
	}
	edit := func(text string) {
		closePane()
		u.openInput(modeCommand, ":", text)
	}
	act := func(what string, err error) {
		if err != nil {
			u.logf(levelError, fmt.Sprintf("%s: %v", what, err))
		}
		u.renderPolicy()
	}
	var rules []config.Policy
	if pc != nil {
		rules = pc.Policies()
	}
	valid := pc != nil && row >= 1 && row <= len(rules)
	switch {
	case ev.Key() == tcell.KeyEsc || ev.Rune() == 'q' || ev.Rune() == 'p':
		closePane()
	case ev.Key() == tcell.KeyCtrlC:
	case ev.Rune() == 'a':
		edit("policy add action=")
	case ev.Rune() == 'e' && valid:
		edit(fmt.Sprintf("policy set %d %s", row, strings.Join(rules[row-1].Words(), " ")))
	case ev.Rune() == 'd' && valid:
		act("policy del", pc.DelPolicy(row))
	case ev.Rune() == 'K' && valid && row > 1:
		act("policy move", pc.MovePolicy(row, row-1))
		u.v.policy.Select(row-1, 0)
	case ev.Rune() == 'J' && valid && row < len(rules):
		act("policy move", pc.MovePolicy(row, row+1))
		u.v.policy.Select(row+1, 0)
	default:
		return ev // j/k/arrows move the selection
	}
	return nil
}
