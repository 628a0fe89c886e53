// Package command is sipterm's one command grammar: a table of verbs (name, aliases, argument
// spec, help, run func) used by the headless front end, the TUI's ':' line and the control
// socket alike. Adding a verb is adding one entry to the table in verbs.go.
package command

import (
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
)

// Command is one parsed line.
type Command struct {
	Verb    string   // the verb's canonical name ("" = a blank line or a comment)
	ID      string   // [ID]: a call id ("" = the one call the command can apply to)
	Arg     string   // URI/TARGET or DIGITS
	Code    int      // [CODE]: a SIP status code (0 = the verb's default)
	Account string   // [ACCOUNT]
	Rest    []string // the other words of the spec (N, M, WORDS...), in order
	Req     string   // the request tag of a line starting "@TAG ": every reply carries it as "req"
}

// Env is what a verb runs against: the phone core and where its replies go.
type Env struct {
	// Core is the phone (*phone.Phone). Verbs assert the methods they need with Need, so that a
	// front end's test double implements only what its tests use.
	Core any
	// Reply emits one reply object (a JSON line in headless and on the socket, a log line in the
	// TUI); it must have an "event" key.
	Reply func(obj map[string]any)
}

// Verb is one row of the table.
type Verb struct {
	Name    string
	Aliases []string
	// Args is the argument spec, shown in help. Words, in order: [ID] (an optional call id cN),
	// ID, URI or TARGET (-> Arg), [URI], [ACCOUNT], [CODE] (300..699), DIGITS (DTMF, -> Arg);
	// any other word (N, FILE...) goes to Rest, required unless in brackets; a last word ending
	// in "..." takes all the remaining words into Rest.
	Args string
	Help string
	// Check validates what the spec cannot say (optional).
	Check func(*Command) error
	// Run carries the command out; ErrQuit asks the front end to stop.
	Run func(Env, Command) error
}

// ErrQuit is returned by the quit verb's Run: the front end ends the program.
var ErrQuit = errors.New("quit")

// Need returns env's core as T, or an error naming the verb when the core cannot do it.
func Need[T any](env Env, verb string) (T, error) {
	c, ok := env.Core.(T)
	if !ok {
		var zero T
		return zero, fmt.Errorf("%s: not available in this front end", verb)
	}
	return c, nil
}

var callIDRe = regexp.MustCompile(`^c[0-9]+$`)

// IsCallID reports whether s looks like a call id (c1, c42).
func IsCallID(s string) bool { return callIDRe.MatchString(s) }

// Lookup finds a verb by name or alias (case-insensitive).
func Lookup(name string) (Verb, bool) {
	name = strings.ToLower(name)
	for _, v := range table {
		if v.Name == name {
			return v, true
		}
		for _, a := range v.Aliases {
			if a == name {
				return v, true
			}
		}
	}
	return Verb{}, false
}

// Verbs is the table, sorted by name (for help and completion).
func Verbs() []Verb {
	vs := append([]Verb(nil), table...)
	sort.Slice(vs, func(i, j int) bool { return vs[i].Name < vs[j].Name })
	return vs
}

// Synopsis is "name ARGS".
func (v Verb) Synopsis() string {
	if v.Args == "" {
		return v.Name
	}
	return v.Name + " " + v.Args
}

// Usage is the one-line list of commands, in table order.
func Usage() string {
	s := make([]string, len(table))
	for i, v := range table {
		s[i] = v.Synopsis()
	}
	return strings.Join(s, " | ")
}

// HelpLines is one "synopsis — help (aliases)" line per verb, in table order.
func HelpLines() []string {
	lines := make([]string, len(table))
	for i, v := range table {
		l := v.Synopsis() + " — " + v.Help
		if len(v.Aliases) > 0 {
			l += " (also: " + strings.Join(v.Aliases, ", ") + ")"
		}
		lines[i] = l
	}
	return lines
}

// Parse reads one line: [@TAG] VERB ARGS. Blank lines and lines starting with # give a zero
// Command (with the tag, if any).
func Parse(line string) (Command, error) {
	fields := strings.Fields(line)
	var req string
	if len(fields) > 0 && strings.HasPrefix(fields[0], "@") && len(fields[0]) > 1 {
		req, fields = fields[0][1:], fields[1:]
	}
	if len(fields) == 0 || strings.HasPrefix(fields[0], "#") {
		return Command{Req: req}, nil
	}
	v, ok := Lookup(fields[0])
	if !ok {
		return Command{Req: req}, fmt.Errorf("unknown command %q (commands: %s)", fields[0], Usage())
	}
	cmd, err := v.parseArgs(fields[1:])
	if err != nil {
		return Command{Req: req}, err
	}
	cmd.Req = req
	return cmd, nil
}

// parseArgs fills a Command from the words after the verb, following the spec.
func (v Verb) parseArgs(args []string) (Command, error) {
	cmd := Command{Verb: v.Name}
	usage := func() string { return " (usage: " + v.Synopsis() + ")" }
	for _, tok := range strings.Fields(v.Args) {
		optional := strings.HasPrefix(tok, "[")
		name := strings.Trim(tok, "[]")
		if strings.HasSuffix(name, "...") {
			if len(args) == 0 && !optional {
				return Command{}, fmt.Errorf("%s: missing %s%s", v.Name, strings.TrimSuffix(name, "..."), usage())
			}
			cmd.Rest = append(cmd.Rest, args...)
			args = nil
			break
		}
		if len(args) == 0 {
			if optional {
				continue
			}
			return Command{}, fmt.Errorf("%s: missing %s%s", v.Name, name, usage())
		}
		a := args[0]
		switch name {
		case "ID":
			if !IsCallID(a) {
				if optional {
					continue
				}
				return Command{}, fmt.Errorf("%s: %q is not a call id (c1, c2...)%s", v.Name, a, usage())
			}
			cmd.ID = a
		case "CODE":
			code, err := strconv.Atoi(a)
			if err != nil || code < 300 || code > 699 {
				return Command{}, fmt.Errorf("%s: bad status code %q (want 300..699)", v.Name, a)
			}
			cmd.Code = code
		case "URI", "TARGET":
			cmd.Arg = a
		case "ACCOUNT":
			cmd.Account = a
		case "DIGITS":
			d := strings.ToUpper(a)
			for _, r := range d {
				if !strings.ContainsRune("0123456789*#ABCD", r) {
					return Command{}, fmt.Errorf("%s: %q is not a DTMF digit (0-9 * # A-D)", v.Name, r)
				}
			}
			cmd.Arg = d
		default:
			cmd.Rest = append(cmd.Rest, a)
		}
		args = args[1:]
	}
	if len(args) > 0 {
		return Command{}, fmt.Errorf("%s: unexpected %q%s", v.Name, strings.Join(args, " "), usage())
	}
	if v.Check != nil {
		if err := v.Check(&cmd); err != nil {
			return Command{}, err
		}
	}
	return cmd, nil
}

// Run carries out a parsed command (a zero Command does nothing).
func Run(env Env, cmd Command) error {
	if cmd.Verb == "" {
		return nil
	}
	v, ok := Lookup(cmd.Verb)
	if !ok {
		return fmt.Errorf("unknown command %q", cmd.Verb)
	}
	return v.Run(env, cmd)
}
