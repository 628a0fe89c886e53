package command

// The many-lines verbs (phone/lines.go): swap, conference, split.

func runSwap(env Env, c Command) error {
	p, err := Need[interface{ Swap() error }](env, c.Verb)
	if err != nil {
		return err
	}
	return p.Swap()
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
