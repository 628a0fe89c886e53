package config

import (
	"fmt"
	"net/netip"
	"os"
	"path"
	"strconv"
	"strings"
	"time"
)

// Policy is one [[policy]] rule: the answer policy, an ordered table evaluated (first match
// wins) for incoming calls that passed screening.
type Policy struct {
	MatchFrom   string `toml:"match_from"`   // glob (* ?) on the From URI (sip:user@host) or its user; "" = any
	MatchUser   string `toml:"match_user"`   // glob on the called user (Request-URI user); "" = any
	MatchSource string `toml:"match_source"` // CIDR the INVITE came from; "" = any
	Action      string `toml:"action"`       // ring, auto, early, reject, redirect or play
	After       string `toml:"after"`        // auto, play: answer after this long (default 0s)
	Code        int    `toml:"code"`         // reject (default 603), redirect (default 302)
	Target      string `toml:"target"`       // redirect: the Contact URI
	File        string `toml:"file"`         // play: the WAV to play; early: the WAV of the early media

	SourceNet netip.Prefix  `toml:"-"`
	AfterDur  time.Duration `toml:"-"`
}

// PolicyActions are the action values.
var PolicyActions = []string{"ring", "auto", "early", "reject", "redirect", "play"}

// Validate checks one rule and fills its defaults and derived fields; the error names the key.
func (r *Policy) Validate() (key, msg string) {
	for k, glob := range map[string]string{"match_from": r.MatchFrom, "match_user": r.MatchUser} {
		if _, err := path.Match(strings.ToLower(glob), ""); err != nil {
			return k, fmt.Sprintf("bad pattern %q: %v", glob, err)
		}
	}
	r.SourceNet = netip.Prefix{}
	if r.MatchSource != "" {
		pfx, err := ParseCIDR(r.MatchSource)
		if err != nil {
			return "match_source", err.Error()
		}
		r.SourceNet = pfx
	}
	r.AfterDur = 0
	if r.After != "" {
		d, err := parseDelay(r.After)
		if err != nil {
			return "after", err.Error()
		}
		r.AfterDur = d
	}
	switch r.Action {
	case "ring", "auto":
	case "reject":
		if r.Code == 0 {
			r.Code = 603
		}
		if r.Code < 400 || r.Code > 699 {
			return "code", fmt.Sprintf("%d: reject wants a code in 400..699", r.Code)
		}
	case "redirect":
		if r.Code == 0 {
			r.Code = 302
		}
		if r.Code < 300 || r.Code > 399 {
			return "code", fmt.Sprintf("%d: redirect wants a code in 300..399", r.Code)
		}
		if r.Target == "" {
			return "target", "redirect needs a target URI"
		}
		if _, err := ParseURI(r.Target); err != nil {
			return "target", err.Error()
		}
	case "play", "early":
		if r.File == "" && r.Action == "play" {
			return "file", "play needs a WAV file"
		}
		if r.File != "" {
			if _, err := os.Stat(r.File); err != nil {
				return "file", err.Error()
			}
		}
	case "":
		return "action", "every rule needs an action: " + strings.Join(PolicyActions, ", ")
	default:
		return "action", fmt.Sprintf("unknown action %q: want %s", r.Action, strings.Join(PolicyActions, ", "))
	}
	if r.Code != 0 && r.Action != "reject" && r.Action != "redirect" {
		return "code", "code is for reject and redirect only"
	}
	return "", ""
}

// validatePolicies checks every rule; the error names policy[N].key.
func (c *Config) validatePolicies() *keyError {
	for i := range c.Policies {
		if k, msg := c.Policies[i].Validate(); k != "" {
			return &keyError{fmt.Sprintf("policy[%d].%s", i+1, k), msg}
		}
	}
	return nil
}

// ParsePolicy builds a rule from KEY=VALUE words (the policy add command), validated.
func ParsePolicy(words []string) (Policy, error) {
	var r Policy
	for _, w := range words {
		k, v, ok := strings.Cut(w, "=")
		if !ok {
			return Policy{}, fmt.Errorf("%q: want KEY=VALUE (match_from, match_user, match_source, action, after, code, target, file)", w)
		}
		v = strings.Trim(v, `"`)
		switch k {
		case "match_from":
			r.MatchFrom = v
		case "match_user":
			r.MatchUser = v
		case "match_source":
			r.MatchSource = v
		case "action":
			r.Action = v
		case "after":
			r.After = v
		case "code":
			n, err := strconv.Atoi(v)
			if err != nil {
				return Policy{}, fmt.Errorf("code %q is not a number", v)
			}
			r.Code = n
		case "target":
			r.Target = v
		case "file":
			r.File = v
		default:
			return Policy{}, fmt.Errorf("unknown key %q (match_from, match_user, match_source, action, after, code, target, file)", k)
		}
	}
	if k, msg := r.Validate(); k != "" {
		return Policy{}, fmt.Errorf("%s: %s", k, msg)
	}
	return r, nil
}

// Words is the rule as KEY=VALUE words (the inverse of ParsePolicy), in key order.
func (r Policy) Words() []string {
	var w []string
	add := func(k, v string) {
		if v != "" {
			w = append(w, k+"="+v)
		}
	}
	add("match_from", r.MatchFrom)
	add("match_user", r.MatchUser)
	add("match_source", r.MatchSource)
	add("action", r.Action)
	add("after", r.After)
	if r.Code != 0 {
		add("code", strconv.Itoa(r.Code))
	}
	add("target", r.Target)
	add("file", r.File)
	return w
}

// Matches says whether the rule applies to a call from (the From URI, no parameters) to user
// (the Request-URI user) that came from source.
func (r Policy) Matches(from, fromUser, user string, source netip.Addr) bool {
	if r.MatchFrom != "" && !glob(r.MatchFrom, from) && !glob(r.MatchFrom, fromUser) {
		return false
	}
	if r.MatchUser != "" && !glob(r.MatchUser, user) {
		return false
	}
	if r.SourceNet.IsValid() && !r.SourceNet.Contains(source.Unmap()) {
		return false
	}
	return true
}

func glob(pattern, s string) bool {
	ok, _ := path.Match(strings.ToLower(pattern), strings.ToLower(s))
	return ok
}
