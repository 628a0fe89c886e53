package ui

import (
	"fmt"
	"sync"
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone/config"
)

// policyFake is the fake core with an answer policy.
type policyFake struct {
	*fakeCore
	mu    sync.Mutex
	rules []config.Policy
}

func (p *policyFake) Policies() []config.Policy {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]config.Policy(nil), p.rules...)
}
func (p *policyFake) DelPolicy(n int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules = append(p.rules[:n-1], p.rules[n:]...)
	p.rec(fmt.Sprintf("policy del %d", n))
	return nil
}
func (p *policyFake) MovePolicy(n, m int) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.rules[n-1], p.rules[m-1] = p.rules[m-1], p.rules[n-1]
	p.rec(fmt.Sprintf("policy move %d %d", n, m))
	return nil
}

// The p pane lists the rules; J moves the selected one down, d deletes it, e puts it in the ':'
// line as "policy set N ...", a starts "policy add".
func TestPolicyPane(t *testing.T) {
	h := startTuned(t, 100, 30, Options{}, nil, func(u *UI) {
		u.core = &policyFake{fakeCore: u.core.(*fakeCore), rules: []config.Policy{
			{MatchFrom: "spammer", Action: "reject", Code: 603},
			{MatchUser: "100", Action: "auto", After: "2s"},
		}}
	})
	h.waitText("no calls")
	h.key(tcell.KeyRune, 'p')
	h.waitText("Answer policy")
	h.waitText("spammer")
	h.waitText("after=2s")
	h.key(tcell.KeyRune, 'J')
	h.waitCmd("policy move 1 2")
	h.key(tcell.KeyRune, 'd') // the selection followed the rule to row 2
	h.waitCmd("policy del 2")
	h.key(tcell.KeyRune, 'e')
	h.waitText(":policy set 1 match_user=100 action=auto after=2s")
	h.key(tcell.KeyEsc, 0)
	h.key(tcell.KeyRune, 'p')
	h.waitText("Answer policy")
	h.key(tcell.KeyRune, 'a')
	h.waitText(":policy add action=")
}
