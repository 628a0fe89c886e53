package phone

import (
	"fmt"
	"net/netip"
	"strings"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/audio"
	"github.com/sipterm/sipterm/phone/config"
)

// EventPolicy: an answer-policy rule (1-based Rule) decided incoming call ID.
type EventPolicy struct {
	ID     string
	Rule   int
	Action string
}

func (EventPolicy) isEvent() {}

// policyTable is the live answer policy: the config's [[policy]] rules, changed at run time by
// the policy commands and saved back to the config file.
type policyTable struct {
	mu     sync.Mutex
	loaded bool
	rules  []config.Policy
}

// policyRules is a copy of the rules (loaded from the config on first use).
func (p *Phone) policyRules() []config.Policy {
	p.policy.mu.Lock()
	defer p.policy.mu.Unlock()
	p.loadPolicyLocked()
	return append([]config.Policy(nil), p.policy.rules...)
}

func (p *Phone) loadPolicyLocked() {
	if !p.policy.loaded {
		p.policy.rules = append([]config.Policy(nil), p.cfg.Policies...)
		p.policy.loaded = true
	}
}

// Policies is the answer policy, in order (rule N is Policies()[N-1]).
func (p *Phone) Policies() []config.Policy { return p.policyRules() }

// AddPolicy inserts a validated rule at 1-based position at (0: at the end) and saves the policy.
func (p *Phone) AddPolicy(r config.Policy, at int) error {
	if k, msg := r.Validate(); k != "" {
		return fmt.Errorf("policy add: %s: %s", k, msg)
	}
	return p.editPolicy(func(rules []config.Policy) ([]config.Policy, error) {
		if at == 0 {
			at = len(rules) + 1
		}
		if at < 1 || at > len(rules)+1 {
			return nil, fmt.Errorf("policy add: position %d is out of range 1..%d", at, len(rules)+1)
		}
		out := append(append(append([]config.Policy(nil), rules[:at-1]...), r), rules[at-1:]...)
		return out, nil
	})
}

// SetPolicy replaces rule n (1-based) with a validated rule and saves the policy.
func (p *Phone) SetPolicy(n int, r config.Policy) error {
	if k, msg := r.Validate(); k != "" {
		return fmt.Errorf("policy set: %s: %s", k, msg)
	}
	return p.editPolicy(func(rules []config.Policy) ([]config.Policy, error) {
		if n < 1 || n > len(rules) {
			return nil, fmt.Errorf("policy set: no rule %d (there are %d)", n, len(rules))
		}
		out := append([]config.Policy(nil), rules...)
		out[n-1] = r
		return out, nil
	})
}

// DelPolicy removes rule n (1-based) and saves the policy.
func (p *Phone) DelPolicy(n int) error {
	return p.editPolicy(func(rules []config.Policy) ([]config.Policy, error) {
		if n < 1 || n > len(rules) {
			return nil, fmt.Errorf("policy del: no rule %d (there are %d)", n, len(rules))
		}
		return append(append([]config.Policy(nil), rules[:n-1]...), rules[n:]...), nil
	})
}

// MovePolicy moves rule n to position m (both 1-based) and saves the policy.
func (p *Phone) MovePolicy(n, m int) error {
	return p.editPolicy(func(rules []config.Policy) ([]config.Policy, error) {
		if n < 1 || n > len(rules) || m < 1 || m > len(rules) {
			return nil, fmt.Errorf("policy move: rules are 1..%d", len(rules))
		}
		out := append([]config.Policy(nil), rules...)
		r := out[n-1]
		out = append(out[:n-1], out[n:]...)
		out = append(out[:m-1], append([]config.Policy{r}, out[m-1:]...)...)
		return out, nil
	})
}

// editPolicy applies edit and saves the result; a failed save leaves the policy as it was.
func (p *Phone) editPolicy(edit func([]config.Policy) ([]config.Policy, error)) error {
	p.policy.mu.Lock()
	defer p.policy.mu.Unlock()
	p.loadPolicyLocked()
	next, err := edit(p.policy.rules)
	if err != nil {
		return err
	}
	path := p.policyPath()
	if err := config.SavePolicies(path, next); err != nil {
		return err
	}
	p.policy.rules = next
	p.log.Info("answer policy saved", "rules", len(next), "file", path)
	return nil
}

// policyPath is the config file the policy is saved to: the one loaded, else the default path.
func (p *Phone) policyPath() string {
	if path := p.cfg.Path; path != "" && !strings.HasPrefix(path, "(") {
		return path
	}
	return config.DefaultPath()
}

// matchPolicy finds the first rule for an INVITE that passed screening (0: none).
func (p *Phone) matchPolicy(req *sip.Request) (config.Policy, int) {
	from, fromUser := "", ""
	if f := req.From(); f != nil {
		u := f.Address
		fromUser = u.User
		from = (&sip.Uri{Scheme: u.Scheme, User: u.User, Host: u.Host, Port: u.Port}).String()
	}
	src, _ := netip.ParseAddrPort(req.Source())
	for i, r := range p.policyRules() {
		if r.Matches(from, fromUser, req.Recipient.User, src.Addr()) {
			return r, i + 1
		}
	}
	return config.Policy{}, 0
}

// policyRefusal carries out a reject or redirect rule (before any call exists).
func policyRefusal(r config.Policy, n int) refusal {
	if n == 0 || (r.Action != "reject" && r.Action != "redirect") {
		return refusal{}
	}
	out := refusal{code: r.Code, reason: reasonPhrase(r.Code), policy: n, action: r.Action,
		why: fmt.Sprintf("rejected by policy rule %d", n)}
	if r.Action == "redirect" {
		target, _ := config.ParseURI(r.Target) // validated with the rule
		out.headers = []sip.Header{&sip.ContactHeader{Address: target}}
		out.why = fmt.Sprintf("redirected to %s by policy rule %d", r.Target, n)
	}
	return out
}

// takePolicy binds a matched rule (ring, auto, early, play) to a new incoming call: its event,
// and for play or early with a file, the WAV as the call's audio.
func (c *Call) takePolicy(r config.Policy, n int) error {
	if n == 0 {
		return nil
	}
	c.policy, c.policyN = &r, n
	c.log.Info("answer policy", "rule", n, "action", r.Action)
	c.p.publish(EventPolicy{ID: c.id, Rule: n, Action: r.Action})
	if r.File != "" && (r.Action == "play" || r.Action == "early") {
		samples, err := audio.LoadWAV(r.File)
		if err != nil {
			return fmt.Errorf("policy rule %d: %w", n, err)
		}
		dev, err := audio.NewFileDevice(r.File, "", c.log)
		if err != nil {
			return fmt.Errorf("policy rule %d: %w", n, err)
		}
		c.fileDev = dev
		c.playFor = time.Duration(len(samples)) * time.Second / audio.SampleRate
	}
	return nil
}

// device is the call's audio: the policy's WAV, else the phone's device.
func (c *Call) device() audio.Device {
	if c.fileDev != nil {
		return c.fileDev
	}
	return c.p.dev
}

// policyAnswerDelay: a rule's auto or play answers after its delay; ring and early never
// auto-answer; no rule: auto_answer.
func (p *Phone) policyAnswerDelay(c *Call) (time.Duration, bool) {
	if c.policy == nil {
		return p.autoAnswerDelay(c.acct)
	}
	switch c.policy.Action {
	case "auto", "play":
		return c.policy.AfterDur, true
	}
	return 0, false
}

// earlyMedia sends 183 with our answer SDP and starts the media (the rule's file or the
// device); the call stays early, never answered, until the caller gives up. It reports false
// when the offer came late (no SDP in the INVITE): then the call just rings.
func (c *Call) earlyMedia(answer []byte, lateOffer bool) bool {
	if c.policy == nil || c.policy.Action != "early" || lateOffer {
		return false
	}
	c.mu.Lock()
	c.decided = true // nobody answers an early-media call
	c.mu.Unlock()
	if err := c.srvDlg.Respond(183, "Session Progress", answer, sip.NewHeader("Content-Type", "application/sdp")); err != nil {
		c.log.Warn("sending 183 failed", "error", err)
	}
	if err := c.applyMedia(c.neg); err != nil {
		c.log.Error("media", "error", err)
	}
	c.setState(StateEarly, 183, fmt.Sprintf("early media by policy rule %d", c.policyN))
	return true
}

// afterAnswer: a play call hangs up once its file has played.
func (c *Call) afterAnswer() {
	if c.policy == nil || c.policy.Action != "play" {
		return
	}
	c.afterFunc(c.playFor+200*time.Millisecond, "end of play", func() {
		c.hangupWith(0, fmt.Sprintf("played %s (policy rule %d)", c.policy.File, c.policyN))
	})
}
