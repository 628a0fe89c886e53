package config

import (
	"fmt"
	"time"
)

// DefaultRingTimeout bounds how long an outgoing call may go without a final answer.
const DefaultRingTimeout = 60 * time.Second

// DefaultDNDCode is what an incoming call gets while do-not-disturb is on.
const DefaultDNDCode = 486

// validateTimers checks ring_timeout, no_answer, no_answer_forward and dtmf_mode.
func (a *Account) validateTimers() *keyError {
	a.RingTimeoutDur = DefaultRingTimeout
	if a.RingTimeout != "" {
		d, err := parseDelay(a.RingTimeout)
		if err != nil {
			return &keyError{"ring_timeout", err.Error()}
		}
		a.RingTimeoutDur = d
	}
	if a.NoAnswer != "" {
		d, err := parseDelay(a.NoAnswer)
		if err != nil {
			return &keyError{"no_answer", err.Error()}
		}
		a.NoAnswerDur = d
	}
	if a.NoAnswerForward != "" {
		u, err := ParseURI(a.NoAnswerForward)
		if err != nil {
			return &keyError{"no_answer_forward", err.Error()}
		}
		if a.NoAnswerDur == 0 {
			return &keyError{"no_answer_forward", "needs no_answer (how long to ring before forwarding)"}
		}
		a.NoAnswerForwardURI = &u
	}
	switch a.DTMFMode {
	case "":
		a.DTMFMode = "auto"
	case "rfc4733", "info", "auto":
	default:
		return &keyError{"dtmf_mode", fmt.Sprintf("unknown value %q: want rfc4733, info or auto", a.DTMFMode)}
	}
	return nil
}

// validateDND checks dnd_code (the status an incoming call gets while do-not-disturb is on).
func (c *Config) validateDND() *keyError {
	if c.DNDCode == 0 {
		c.DNDCode = DefaultDNDCode
	}
	if c.DNDCode < 400 || c.DNDCode > 699 {
		return &keyError{"dnd_code", fmt.Sprintf("%d is not a SIP failure status (want 400..699, e.g. 486 or 480)", c.DNDCode)}
	}
	return nil
}
