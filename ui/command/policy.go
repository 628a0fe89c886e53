package command

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/sipterm/sipterm/phone/config"
)

// policyCore is what the policy verb needs of the phone.
type policyCore interface {
	Policies() []config.Policy
	AddPolicy(r config.Policy, at int) error
	SetPolicy(n int, r config.Policy) error
	DelPolicy(n int) error
	MovePolicy(n, m int) error
}

func init() {
	table = append(table, Verb{Name: "policy", Args: "[list|add|set|del|move] [ARGS...]",
		Help:  "the answer policy: list; add [at=N] KEY=VALUE... (match_from, match_user, match_source, action, after, code, target, file); set N KEY=VALUE... (replace rule N); del N; move N M. Changes are saved to the config file; every change replies with the list",
		Check: checkPolicy, Run: runPolicy})
}

func checkPolicy(c *Command) error {
	if len(c.Rest) == 0 {
		c.Rest = []string{"list"}
	}
	sub, args := c.Rest[0], c.Rest[1:]
	nums := func(want int) error {
		if len(args) != want {
			return fmt.Errorf("policy %s: want %d rule number(s)", sub, want)
		}
		for _, a := range args {
			if n, err := strconv.Atoi(a); err != nil || n < 1 {
				return fmt.Errorf("policy %s: %q is not a rule number", sub, a)
			}
		}
		return nil
	}
	switch sub {
	case "list":
		return nums(0)
	case "del":
		return nums(1)
	case "move":
		return nums(2)
	case "add":
		if len(args) == 0 {
			return fmt.Errorf("policy add: want KEY=VALUE words, at least action=ACTION")
		}
		_, _, err := policyAddArgs(args)
		return err
	case "set":
		if len(args) < 2 {
			return fmt.Errorf("policy set: want N and KEY=VALUE words")
		}
		if n, err := strconv.Atoi(args[0]); err != nil || n < 1 {
			return fmt.Errorf("policy set: %q is not a rule number", args[0])
		}
		_, err := config.ParsePolicy(args[1:])
		if err != nil {
			return fmt.Errorf("policy set: %w", err)
		}
		return nil
	}
	return fmt.Errorf("policy: unknown subcommand %q (list, add, set, del, move)", sub)
}

// policyAddArgs is the rule and position (0 = the end) of "policy add [at=N] KEY=VALUE...".
func policyAddArgs(args []string) (config.Policy, int, error) {
	at := 0
	var words []string
	for _, a := range args {
		if v, ok := strings.CutPrefix(a, "at="); ok {
			n, err := strconv.Atoi(v)
			if err != nil || n < 1 {
				return config.Policy{}, 0, fmt.Errorf("policy add: at=%q is not a rule number", v)
			}
			at = n
			continue
		}
		words = append(words, a)
	}
	r, err := config.ParsePolicy(words)
	if err != nil {
		return config.Policy{}, 0, fmt.Errorf("policy add: %w", err)
	}
	return r, at, nil
}

func runPolicy(env Env, c Command) error {
	p, err := Need[policyCore](env, c.Verb)
	if err != nil {
		return err
	}
	args := c.Rest[1:]
	n := func(i int) int { v, _ := strconv.Atoi(args[i]); return v }
	switch c.Rest[0] {
	case "add":
		r, at, err := policyAddArgs(args)
		if err != nil {
			return err
		}
		err = p.AddPolicy(r, at)
		if err != nil {
			return err
		}
	case "set":
		r, err := config.ParsePolicy(args[1:])
		if err != nil {
			return err
		}
		if err := p.SetPolicy(n(0), r); err != nil {
			return err
		}
	case "del":
		if err := p.DelPolicy(n(0)); err != nil {
			return err
		}
	case "move":
		if err := p.MovePolicy(n(0), n(1)); err != nil {
			return err
		}
	}
	rules := p.Policies()
	for i, r := range rules {
		env.Reply(PolicyRuleJSON(i+1, r))
	}
	env.Reply(map[string]any{"event": "policies", "count": len(rules)})
	return nil
}

// PolicyRuleJSON is one rule as a policy_rule reply: its number, its keys, and "rule" as the
// KEY=VALUE words that policy add takes.
func PolicyRuleJSON(n int, r config.Policy) map[string]any {
	m := map[string]any{"event": "policy_rule", "rule": n, "action": r.Action, "words": strings.Join(r.Words(), " ")}
	for _, w := range r.Words() {
		k, v, _ := strings.Cut(w, "=")
		if k == "code" {
			m[k] = r.Code
			continue
		}
		m[k] = v
	}
	return m
}
