package config

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestTimerKeys(t *testing.T) {
	acct := "[[accounts]]\naor = \"sip:a@b\"\n"
	tests := []struct {
		name, text string
		line       int    // of the error; 0: no error
		key, msg   string // of the error
		check      func(*Config) string
	}{
		{name: "defaults", text: acct, check: func(c *Config) string {
			a := c.Accounts[0]
			if a.RingTimeoutDur != DefaultRingTimeout || a.NoAnswerDur != 0 || a.NoAnswerForwardURI != nil || a.DTMFMode != "auto" || c.DNDCode != 486 || c.DND {
				return "defaults not applied"
			}
			return ""
		}},
		{name: "all set", text: "dnd = true\ndnd_code = 480\n" + acct + "ring_timeout = \"0s\"\nno_answer = \"20s\"\nno_answer_forward = \"vm@example.org\"\ndtmf_mode = \"info\"\n", check: func(c *Config) string {
			a := c.Accounts[0]
			if a.RingTimeoutDur != 0 || a.NoAnswerDur != 20*time.Second || a.NoAnswerForwardURI == nil || a.NoAnswerForwardURI.String() != "sip:vm@example.org" || a.DTMFMode != "info" || c.DNDCode != 480 || !c.DND {
				return "values not taken"
			}
			return ""
		}},
		{name: "bad ring timeout", text: acct + "ring_timeout = \"long\"\n", line: 3, key: "accounts[1].ring_timeout", msg: "bad duration"},
		{name: "bad no answer", text: acct + "no_answer = \"-1s\"\n", line: 3, key: "accounts[1].no_answer", msg: "negative"},
		{name: "forward without no_answer", text: acct + "no_answer_forward = \"sip:vm@x\"\n", line: 3, key: "accounts[1].no_answer_forward", msg: "needs no_answer"},
		{name: "bad forward URI", text: acct + "no_answer = \"5s\"\nno_answer_forward = \"sip:@\"\n", line: 4, key: "accounts[1].no_answer_forward", msg: "bad"},
		{name: "bad dtmf mode", text: acct + "dtmf_mode = \"inband\"\n", line: 3, key: "accounts[1].dtmf_mode", msg: "want rfc4733, info or auto"},
		{name: "bad dnd code", text: "dnd_code = 200\n" + acct, line: 1, key: "dnd_code", msg: "400..699"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			cfg, err := Parse("test.toml", []byte(tt.text))
			if tt.key == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				if msg := tt.check(cfg); msg != "" {
					t.Errorf("%s: %+v %+v", msg, cfg.Accounts[0], cfg)
				}
				return
			}
			var ce *Error
			if !errors.As(err, &ce) {
				t.Fatalf("error %v is not a *config.Error", err)
			}
			if ce.Line != tt.line || ce.Key != tt.key || !strings.Contains(ce.Msg, tt.msg) {
				t.Errorf("got %s:%d key %q msg %q; want line %d key %q msg containing %q", ce.File, ce.Line, ce.Key, ce.Msg, tt.line, tt.key, tt.msg)
			}
		})
	}
}
