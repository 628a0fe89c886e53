package ui

import (
	"errors"
	"fmt"
	"sort"
	"strings"

	"github.com/sipterm/sipterm/ui/command"
)

// command runs a ':' line through the one grammar (ui/command): a verb, or else a dial target
// ("TARGET" or "ACCOUNT TARGET"). It returns what it dialled.
func (u *UI) command(text string) (dialled string) {
	f := strings.Fields(text)
	v, ok := command.Lookup(f[0])
	if !ok || strings.HasPrefix(f[0], "@") {
		u.dial(text)
		return text
	}
	args := f[1:]
	// The ':' line's older "dial ACCOUNT TARGET" form: the first word names an account and
	// the second does not.
	if v.Name == "dial" && len(args) == 2 && u.hasAccount(args[0]) && !u.hasAccount(args[1]) {
		args[0], args[1] = args[1], args[0]
	}
	cmd, err := command.Parse(v.Name + " " + strings.Join(args, " "))
	if err != nil {
		u.logf(levelError, err.Error())
		return ""
	}
	// A call id selects that call; without one the verbs act on the selected call.
	if cmd.ID != "" {
		if u.st.calls[cmd.ID] == nil {
			u.logf(levelError, fmt.Sprintf("%s: no call %s", cmd.Verb, cmd.ID))
			return ""
		}
		u.st.selected = cmd.ID
	}
	if act, ok := lineActions[cmd.Verb]; ok {
		return act(u, cmd)
	}
	if cmd.ID == "" {
		if c := u.activeCall(); c != nil {
			cmd.ID = c.info.ID
		}
	}
	u.runCommand(cmd)
	return ""
}

// lineActions are the verbs the TUI carries out its own way (the selected call, toggles, the
// help screen, asking before quitting); every other verb runs from the table.
var lineActions = map[string]func(u *UI, c command.Command) string{
	"dial": func(u *UI, c command.Command) string {
		u.dialFrom(c.Account, c.Arg)
		return c.Arg
	},
	"answer": func(u *UI, c command.Command) string { u.answer(nil); return "" },
	"hangup": func(u *UI, c command.Command) string { u.hangup(nil); return "" },
	"reject": func(u *UI, c command.Command) string {
		code := c.Code
		if code == 0 {
			code = 486
		}
		u.rejectWith(code)
		return ""
	},
	"mute":   func(u *UI, c command.Command) string { u.muteToggle(nil); return "" },
	"dtmf":   func(u *UI, c command.Command) string { u.sendDTMF(c.Arg); return "" },
	"help":   func(u *UI, c command.Command) string { u.showHelp(nil); return "" },
	"quit":   func(u *UI, c command.Command) string { u.quit(nil); return "" },
	"hold":   func(u *UI, c command.Command) string { u.holdOrResume(true); return "" },
	"resume": func(u *UI, c command.Command) string { u.holdOrResume(false); return "" },
}

func (u *UI) holdOrResume(hold bool) {
	c := u.activeCall()
	if c == nil {
		what := map[bool]string{true: "hold", false: "resume"}[hold]
		u.logf(levelWarn, "no live call to "+what)
		return
	}
	id := c.info.ID
	if hold {
		u.logf(levelInfo, "holding "+id)
		u.run("hold "+id, func() error { return u.core.Hold(id) })
		return
	}
	u.logf(levelInfo, "resuming "+id)
	u.run("resume "+id, func() error { return u.core.Resume(id) })
}

// runCommand runs a table verb off the event goroutine; its replies become log lines.
func (u *UI) runCommand(cmd command.Command) {
	go func() {
		defer u.restoreOnPanic()
		env := command.Env{Core: u.core, Reply: func(obj map[string]any) {
			u.logs.add(levelInfo, replyText(obj), u.now())
		}}
		if err := command.Run(env, cmd); err != nil && !errors.Is(err, command.ErrQuit) {
			u.logs.add(levelError, fmt.Sprintf("%s: %v", cmd.Verb, err), u.now())
		}
	}()
}

// replyText is a reply as one log line: the event, then key=value in key order.
func replyText(obj map[string]any) string {
	keys := make([]string, 0, len(obj))
	for k := range obj {
		if k != "event" && k != "ts" && k != "req" {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var sb strings.Builder
	fmt.Fprint(&sb, obj["event"])
	for _, k := range keys {
		fmt.Fprintf(&sb, " %s=%v", k, obj[k])
	}
	return sb.String()
}

// commandHelp is the help screen's command section, from the grammar's table.
func commandHelp() string {
	var sb strings.Builder
	sb.WriteString("\nCommands (the : line, --headless and sipterm ctl take the same ones; [ID] defaults to the selected call;\n")
	sb.WriteString("on the : line a bare target dials, and \"dial ACCOUNT TARGET\" is read as \"dial TARGET ACCOUNT\"):\n\n")
	for _, l := range command.HelpLines() {
		sb.WriteString("  " + l + "\n")
	}
	return sb.String()
}
