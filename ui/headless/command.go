// Package headless is sipterm's scriptable front end: commands on standard input, one per
// line, and events on standard output as JSON lines (the contract in docs/protocol.md).
package headless

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
)

// Command is one parsed input line.
type Command struct {
	Verb    string // dial, answer, reject, hangup, hold, resume, dtmf, transfer, mute, calls, accounts, quit, debug, help
	ID      string // call id ("" = the one call the command can apply to)
	Arg     string // dial/transfer: the URI; dtmf: the digits; export: the directory
	Code    int    // reject: the status code (0 = default)
	Account string // dial: the account to call from ("" = the first)
}

var callIDRe = regexp.MustCompile(`^c[0-9]+$`)

// usage lists the commands, for errors and `help`.
const usage = "dial URI [ACCOUNT] | answer [ID] | reject [ID] [CODE] | hangup [ID] | hold [ID] | resume [ID] | " +
	"dtmf [ID] DIGITS | transfer [ID] URI | mute [ID] | export [ID] [DIR] | calls | accounts | debug | help | quit"

// Parse reads one command line. Blank lines and lines starting with # give a zero Command.
func Parse(line string) (Command, error) {
	cmd, err := parse(line)
	if err != nil {
		return Command{}, err
	}
	return cmd, nil
}

func parse(line string) (Command, error) {
	fields := strings.Fields(line)
	if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
		return Command{}, nil
	}
	cmd := Command{Verb: strings.ToLower(fields[0])}
	args := fields[1:]
	takeID := func() {
		if len(args) > 0 && callIDRe.MatchString(args[0]) {
			cmd.ID, args = args[0], args[1:]
		}
	}
	tooMany := func(max int) error {
		if len(args) > max {
			return fmt.Errorf("%s: unexpected %q (usage: %s)", cmd.Verb, strings.Join(args[max:], " "), usage)
		}
		return nil
	}
	switch cmd.Verb {
	case "dial":
		if len(args) == 0 {
			return Command{}, fmt.Errorf("dial: missing URI (usage: dial URI [ACCOUNT])")
		}
		cmd.Arg, args = args[0], args[1:]
		if len(args) > 0 {
			cmd.Account, args = args[0], args[1:]
		}
		return cmd, tooMany(0)
	case "answer", "hangup", "hold", "resume", "mute":
		takeID()
		return cmd, tooMany(0)
	case "reject":
		takeID()
		if len(args) > 0 {
			code, err := strconv.Atoi(args[0])
			if err != nil || code < 300 || code > 699 {
				return Command{}, fmt.Errorf("reject: bad status code %q (want 300..699)", args[0])
			}
			cmd.Code, args = code, args[1:]
		}
		return cmd, tooMany(0)
	case "dtmf":
		takeID()
		if len(args) == 0 {
			return Command{}, fmt.Errorf("dtmf: missing digits (usage: dtmf [ID] DIGITS)")
		}
		cmd.Arg, args = strings.ToUpper(args[0]), args[1:]
		for _, r := range cmd.Arg {
			if !strings.ContainsRune("0123456789*#ABCD", r) {
				return Command{}, fmt.Errorf("dtmf: %q is not a DTMF digit (0-9 * # A-D)", r)
			}
		}
		return cmd, tooMany(0)
	case "transfer":
		takeID()
		if len(args) == 0 {
			return Command{}, fmt.Errorf("transfer: missing URI (usage: transfer [ID] URI)")
		}
		cmd.Arg, args = args[0], args[1:]
		return cmd, tooMany(0)
	case "export":
		takeID()
		if len(args) > 0 {
			cmd.Arg, args = args[0], args[1:]
		}
		return cmd, tooMany(0)
	case "calls", "accounts", "quit", "exit", "debug", "help":
		if cmd.Verb == "exit" {
			cmd.Verb = "quit"
		}
		return cmd, tooMany(0)
	}
	return Command{}, fmt.Errorf("unknown command %q (commands: %s)", fields[0], usage)
}
