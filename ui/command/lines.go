package command

import "fmt"

// The many-lines verbs (phone/lines.go): swap, conference, split.

func runSwap(env Env, c Command) error {
	p, err := Need[interface{ Swap() error }](env, c.Verb)
	if err != nil {
		return err
	}
	return p.Swap()
}

// checkID2: conference's second word, when given, is a call id too.
func checkID2(c *Command) error {
	if len(c.Rest) > 0 && !IsCallID(c.Rest[0]) {
		return fmt.Errorf("conference: %q is not a call id (c1, c2...) (usage: conference [ID] [ID2])", c.Rest[0])
	}
	return nil
}

func runConference(env Env, c Command) error {
	p, err := Need[interface{ Conference(id1, id2 string) error }](env, c.Verb)
	if err != nil {
		return err
	}
	id2 := ""
	if len(c.Rest) > 0 {
		id2 = c.Rest[0]
	}
	return p.Conference(c.ID, id2)
}

func runSplit(env Env, c Command) error {
	p, err := Need[interface{ Split(id string) error }](env, c.Verb)
	if err != nil {
		return err
	}
	return p.Split(c.ID)
}
