package headless

import (
	"errors"
	"fmt"
	"strings"
)

// timersCore is the phone's do-not-disturb and redirect (an interface of its own so that test
// doubles of Core need not have it).
type timersCore interface {
	SetDND(on bool) error
	DND() bool
	Redirect(id, target string) error
}

// parseTimers reads `dnd [on|off]` and `redirect [ID] URI`.
func parseTimers(cmd Command, args []string) (Command, error) {
	switch cmd.Verb {
	case "dnd":
		if len(args) > 1 {
			return Command{}, fmt.Errorf("dnd: unexpected %q (usage: dnd [on|off])", strings.Join(args[1:], " "))
		}
		if len(args) == 1 {
			switch a := strings.ToLower(args[0]); a {
			case "on", "off":
				cmd.Arg = a
			default:
				return Command{}, fmt.Errorf("dnd: %q: want on or off", args[0])
			}
		}
		return cmd, nil
	default: // redirect
		if len(args) > 0 && callIDRe.MatchString(args[0]) {
			cmd.ID, args = args[0], args[1:]
		}
		if len(args) != 1 {
			return Command{}, errors.New("redirect: want one URI (usage: redirect [ID] URI)")
		}
		cmd.Arg = args[0]
		return cmd, nil
	}
}

// executeTimers runs dnd and redirect; `dnd` alone reports the state as a dnd event.
func (h *Headless) executeTimers(cmd Command) error {
	tc, ok := h.core.(timersCore)
	if !ok {
		return fmt.Errorf("%s: not supported by this phone", cmd.Verb)
	}
	switch cmd.Verb {
	case "dnd":
		if cmd.Arg == "" {
			h.emit(map[string]any{"event": "dnd", "on": tc.DND()})
			return nil
		}
		return tc.SetDND(cmd.Arg == "on")
	default:
		return tc.Redirect(cmd.ID, cmd.Arg)
	}
}
