package command

import (
	"fmt"
	"strings"
)

// checkDND accepts `dnd`, `dnd on` and `dnd off`.
func checkDND(c *Command) error {
	if len(c.Rest) == 0 {
		return nil
	}
	switch s := strings.ToLower(c.Rest[0]); s {
	case "on", "off":
		c.Rest[0] = s
		return nil
	}
	return fmt.Errorf("dnd: %q: want on or off", c.Rest[0])
}

// runDND sets do-not-disturb (the phone's dnd event is the reply), or reports it.
func runDND(env Env, c Command) error {
	p, err := Need[interface {
		SetDND(on bool) error
		DND() bool
	}](env, c.Verb)
	if err != nil {
		return err
	}
	if len(c.Rest) == 0 {
		env.Reply(map[string]any{"event": "dnd", "on": p.DND()})
		return nil
	}
	return p.SetDND(c.Rest[0] == "on")
}

func runRedirect(env Env, c Command) error {
	p, err := Need[interface{ Redirect(id, target string) error }](env, c.Verb)
	if err != nil {
		return err
	}
	return p.Redirect(c.ID, c.Arg)
}
