package command

import "fmt"

// checkID2: the second word of attended and conference, when given, is a call id too.
func checkID2(c *Command) error {
	if len(c.Rest) > 0 && !IsCallID(c.Rest[0]) {
		return fmt.Errorf("%s: %q is not a call id (c1, c2...) (usage: %s [ID] [ID2])", c.Verb, c.Rest[0], c.Verb)
	}
	return nil
}

func runAttended(env Env, c Command) error {
	p, err := Need[interface{ Attended(string, string) error }](env, c.Verb)
	if err != nil {
		return err
	}
	id2 := ""
	if len(c.Rest) > 0 {
		id2 = c.Rest[0]
	}
	return p.Attended(c.ID, id2)
}

func runAnswerTransfer(env Env, c Command, accept bool) error {
	p, err := Need[interface{ AnswerTransfer(string, bool) error }](env, c.Verb)
	if err != nil {
		return err
	}
	return p.AnswerTransfer(c.ID, accept)
}
