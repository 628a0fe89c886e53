package command

import (
	"runtime"
	"strings"

	"github.com/sipterm/sipterm/phone"
)

// table is THE list of commands. To add a verb, add one entry here (or, to keep merges apart,
// append it from an init in a file of its own, as policy.go and probe.go do) and a line to the
// parse tests; its Run asserts the core methods it needs with Need (no interface to widen).
var table = []Verb{
	{Name: "dial", Aliases: []string{"call"}, Args: "URI [ACCOUNT]",
		Help: "call URI (sip:/sips:, a number or user completed with the account's domain, or echo) from ACCOUNT (default: the first); replies dialing {id}",
		Run:  runDial},
	{Name: "answer", Aliases: []string{"a"}, Args: "[ID]", Help: "answer a ringing incoming call",
		Run: func(env Env, c Command) error {
			p, err := Need[interface{ Answer(string) error }](env, c.Verb)
			if err != nil {
				return err
			}
			return p.Answer(c.ID)
		}},
	{Name: "reject", Args: "[ID] [CODE]", Help: "refuse a ringing call (default 486; 300..699)",
		Run: func(env Env, c Command) error {
			p, err := Need[interface{ Reject(string, int) error }](env, c.Verb)
			if err != nil {
				return err
			}
			return p.Reject(c.ID, c.Code)
		}},
	{Name: "hangup", Aliases: []string{"h", "bye"}, Args: "[ID]", Help: "end a call in any state (CANCEL before the answer, BYE after)",
		Run: func(env Env, c Command) error {
			p, err := Need[interface{ Hangup(string) error }](env, c.Verb)
			if err != nil {
				return err
			}
			return p.Hangup(c.ID)
		}},
	{Name: "hold", Args: "[ID]", Help: "put a call on hold (re-INVITE sendonly)",
		Run: func(env Env, c Command) error {
			p, err := Need[interface{ Hold(string) error }](env, c.Verb)
			if err != nil {
				return err
			}
			return p.Hold(c.ID)
		}},
	{Name: "resume", Args: "[ID]", Help: "take a call off hold (re-INVITE sendrecv)",
		Run: func(env Env, c Command) error {
			p, err := Need[interface{ Resume(string) error }](env, c.Verb)
			if err != nil {
				return err
			}
			return p.Resume(c.ID)
		}},
	{Name: "mute", Aliases: []string{"unmute"}, Args: "[ID]", Help: "toggle the microphone in a call",
		Run: func(env Env, c Command) error {
			p, err := Need[interface{ ToggleMute(string) (bool, error) }](env, c.Verb)
			if err != nil {
				return err
			}
			_, err = p.ToggleMute(c.ID)
			return err
		}},
	{Name: "dtmf", Args: "[ID] DIGITS", Help: "send digits 0-9*#A-D (RFC 4733, or SIP INFO: dtmf_mode)",
		Run: func(env Env, c Command) error {
			p, err := Need[interface{ SendDTMF(string, string) error }](env, c.Verb)
			if err != nil {
				return err
			}
			return p.SendDTMF(c.ID, c.Arg)
		}},
	{Name: "transfer", Args: "[ID] URI", Help: "blind transfer (REFER); the call ends once the target answered",
		Run: func(env Env, c Command) error {
			p, err := Need[interface{ Transfer(string, string) error }](env, c.Verb)
			if err != nil {
				return err
			}
			return p.Transfer(c.ID, c.Arg)
		}},
	{Name: "attended", Args: "[ID] [ID2]", Help: "attended transfer: send the peer of ID (the held call) to the peer of ID2 (Replaces); both calls end",
		Check: checkID2, Run: runAttended},
	{Name: "transfer-accept", Args: "[ID]", Help: "accept a peer's transfer that waits for you (refer_policy = ask)",
		Run: func(env Env, c Command) error { return runAnswerTransfer(env, c, true) }},
	{Name: "transfer-decline", Args: "[ID]", Help: "decline a peer's transfer that waits for you (603)",
		Run: func(env Env, c Command) error { return runAnswerTransfer(env, c, false) }},
	{Name: "dnd", Args: "[STATE]", Help: "do-not-disturb on or off (incoming calls get dnd_code, default 486); alone: the state; replies dnd {on}",
		Check: checkDND, Run: runDND},
	{Name: "redirect", Aliases: []string{"forward"}, Args: "[ID] URI", Help: "answer a ringing call with 302 and URI as Contact",
		Run: runRedirect},
	{Name: "swap", Help: "hold the active call and resume the held one", Run: runSwap},
	{Name: "conference", Aliases: []string{"conf"}, Args: "[ID] [ID2]", Check: checkID2, Run: runConference,
		Help: "join two answered calls (default: the two there are) into a local three-way conference"},
	{Name: "split", Args: "[ID]", Run: runSplit,
		Help: "take the conference apart: call ID (default: its oldest) stays, the others go on hold"},
	{Name: "export", Args: "[ID] [DIR]",
		Help: "write a call's capture (pcap of its SIP, RTP, RTCP + JSON summary) into DIR (default capture_dir, else the current directory); a live call or one of the last 8 ended; replies export {id, pcap, summary}",
		Run:  runExport},
	{Name: "calls", Help: "one call event per live call, then calls {count}",
		Run: func(env Env, c Command) error {
			p, err := Need[interface{ Calls() []phone.CallInfo }](env, c.Verb)
			if err != nil {
				return err
			}
			calls := p.Calls()
			for _, ci := range calls {
				env.Reply(CallJSON(ci))
			}
			env.Reply(map[string]any{"event": "calls", "count": len(calls)})
			return nil
		}},
	{Name: "accounts", Help: "one registration event per account, then accounts {count}",
		Run: func(env Env, c Command) error {
			p, err := Need[interface{ Accounts() []phone.AccountInfo }](env, c.Verb)
			if err != nil {
				return err
			}
			accts := p.Accounts()
			for _, a := range accts {
				env.Reply(RegistrationJSON(a))
			}
			env.Reply(map[string]any{"event": "accounts", "count": len(accts)})
			return nil
		}},
	{Name: "debug", Help: "live figures: calls, goroutines, memory, refusal counters", Run: runDebug},
	{Name: "help", Aliases: []string{"?"}, Help: "the command list"}, // Run: set by init (it reads the table)
	{Name: "quit", Aliases: []string{"exit", "q"}, Help: "hang up, unregister and exit",
		Run: func(Env, Command) error { return ErrQuit }},
}

func init() {
	for i := range table {
		if table[i].Name == "help" {
			table[i].Run = func(env Env, c Command) error {
				env.Reply(map[string]any{"event": "help", "commands": Usage(), "lines": HelpLines()})
				return nil
			}
		}
	}
}

func runDial(env Env, c Command) error {
	p, err := Need[interface {
		Dial(account, target string) (string, error)
	}](env, c.Verb)
	if err != nil {
		return err
	}
	id, err := p.Dial(c.Account, c.Arg)
	if err != nil {
		return err
	}
	env.Reply(map[string]any{"event": "dialing", "id": id, "target": c.Arg})
	return nil
}

func runDebug(env Env, c Command) error {
	p, err := Need[interface {
		Debug() (calls, goroutines int)
	}](env, c.Verb)
	if err != nil {
		return err
	}
	calls, goroutines := p.Debug()
	var ms runtime.MemStats
	runtime.GC() // live figures, not the garbage of the last seconds
	runtime.ReadMemStats(&ms)
	obj := map[string]any{"event": "debug", "calls": calls, "goroutines": goroutines,
		"heap_inuse_kb": ms.HeapInuse / 1024, "stack_inuse_kb": ms.StackInuse / 1024, "sys_kb": ms.Sys / 1024}
	// The phone's screening counters (by reason); a core without them just has none.
	if r, ok := env.Core.(interface{ Refused() map[string]uint64 }); ok {
		obj["refused"] = r.Refused()
	}
	env.Reply(obj)
	return nil
}

func runExport(env Env, c Command) error {
	p, err := Need[interface {
		Export(id, dir string) (string, string, error)
	}](env, c.Verb)
	if err != nil {
		return err
	}
	dir := ""
	if len(c.Rest) > 0 {
		dir = c.Rest[0]
	}
	id, pcap, err := p.Export(c.ID, dir)
	if err != nil {
		return err
	}
	env.Reply(map[string]any{"event": "export", "id": id, "pcap": pcap, "summary": strings.TrimSuffix(pcap, ".pcap") + ".json"})
	return nil
}
