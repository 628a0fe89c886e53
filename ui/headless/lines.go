package headless

import "errors"

// Lines is what swap, conference and split need of the phone (*phone.Phone has it); an
// interface of its own so that test doubles of Core need not have it.
type Lines interface {
	Swap() error
	Conference(id1, id2 string) error
	Split(id string) error
}

func runLines(c Core, cmd Command) error {
	l, ok := c.(Lines)
	if !ok {
		return errors.New(cmd.Verb + ": not supported by this phone")
	}
	switch cmd.Verb {
	case "swap":
		return l.Swap()
	case "conference":
		return l.Conference(cmd.ID, cmd.ID2)
	default:
		return l.Split(cmd.ID)
	}
}
