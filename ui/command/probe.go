package command

import (
	"context"

	"github.com/sipterm/sipterm/phone"
)

func init() {
	table = append(table, Verb{Name: "probe", Args: "URI [ACCOUNT]",
		Help: "send OPTIONS to URI (through the account's transport, proxy and credentials): the peer's Allow, Supported, Accept, User-Agent, codecs, and what will fail against our settings",
		Run:  runProbe})
}

func runProbe(env Env, c Command) error {
	p, err := Need[interface {
		Probe(ctx context.Context, account, target string) (phone.ProbeResult, error)
	}](env, c.Verb)
	if err != nil {
		return err
	}
	r, err := p.Probe(context.Background(), c.Account, c.Arg)
	if err != nil {
		return err
	}
	env.Reply(ProbeJSON(r))
	return nil
}

// ProbeJSON is a probe result as the protocol's probe event.
func ProbeJSON(r phone.ProbeResult) map[string]any {
	nz := func(l []string) []string {
		if l == nil {
			return []string{}
		}
		return l
	}
	return map[string]any{"event": "probe", "uri": r.URI, "code": r.Code, "reason": r.Reason,
		"allow": nz(r.Allow), "supported": nz(r.Supported), "require": nz(r.Require), "accept": nz(r.Accept),
		"codecs": nz(r.Codecs), "user_agent": r.UserAgent, "predictions": nz(r.Predictions)}
}
