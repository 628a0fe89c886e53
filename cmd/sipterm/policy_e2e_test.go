package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestPolicyRulesDecideCalls: answer-policy rules added at run time (two through headless, one
// through sipterm ctl) decide SIPp calls: 603 for one caller, 302 to a target for another,
// auto-answer for a third; each says which rule matched in a policy event. The rules are saved
// to the config file (its own comment kept) and decide again after a restart.
func TestPolicyRulesDecideCalls(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	dir := t.TempDir()
	cfgPath := filepath.Join(dir, "config.toml")
	const mine = "# my own comment, kept\nlisten = \"127.0.0.1:5274\"\naudio = \"null\"\n"
	if err := os.WriteFile(cfgPath, []byte(mine), 0o600); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "ctl")
	p := startPhone(t, "--config", cfgPath, "--control", sock)

	p.Send("@a1 policy add action=reject match_from=spammer")
	p.waitEvent(ev("ok", "req", "a1"), 5*time.Second)
	p.Send("@a2 policy add action=redirect match_from=mover target=sip:elsewhere@127.0.0.1:5999")
	p.waitEvent(ev("ok", "req", "a2"), 5*time.Second)
	if out, rc := ctl(t, sock, "policy", "add", "at=1", "action=auto", "match_from=friend"); rc != 0 || !strings.Contains(out, `"count":3`) {
		t.Fatalf("ctl policy add: rc %d: %s", rc, out)
	}

	// The three callers at once (each SIPp start costs seconds on a busy machine).
	res603 := l.sippAsync("uac-refused-603", "127.0.0.1:5274", "FROM_USER=spammer", "SIPP_PORT=5275")
	res302 := l.sippAsync("uac-refused-302", "127.0.0.1:5274", "FROM_USER=mover", "SIPP_PORT=5276")
	resAuto := l.sippAsync("uac-rtp", "127.0.0.1:5274", "FROM_USER=friend", "SIPP_PORT=5277", "DURATION=1")
	(<-res603).expectRefused(t, 603)
	(<-res302).expectRefused(t, 302)
	(<-resAuto).expectOK(t, 1)

	rej := p.waitFor(5*time.Second, "call", "state", "terminated", "code", "603")
	if !strings.Contains(rej.Str("reason"), "policy rule 2") || !strings.Contains(rej.Str("remote"), "spammer") {
		t.Errorf("603 call: %s, want the spammer and the reason to name rule 2", rej.Raw)
	}
	p.waitEvent(ev("policy", "id", rej.Str("id"), "rule", "2", "action", "reject"), 5*time.Second)
	red := p.waitFor(5*time.Second, "call", "state", "terminated", "code", "302")
	p.waitEvent(ev("policy", "id", red.Str("id"), "rule", "3", "action", "redirect"), 5*time.Second)
	if err := waitFileContains(p.trace, "<sip:elsewhere@127.0.0.1:5999>", 5*time.Second); err != nil {
		t.Errorf("the 302 does not carry the target as Contact: %v", err)
	}
	est := p.waitFor(5*time.Second, "call", "state", "established")
	if !strings.Contains(est.Str("remote"), "friend") {
		t.Errorf("established call: %s, want the friend's", est.Raw)
	}
	p.waitEvent(ev("policy", "id", est.Str("id"), "rule", "1", "action", "auto"), 5*time.Second)
	p.stop()

	saved, _ := os.ReadFile(cfgPath)
	if !strings.HasPrefix(string(saved), mine) || strings.Count(string(saved), "[[policy]]") != 3 {
		t.Fatalf("saved config:\n%s", saved)
	}
	p2 := startPhone(t, "--config", cfgPath, "--control", sock)
	if e := p2.query("policy list", "policies", 5*time.Second); e.Int("count") != 3 {
		t.Fatalf("after the restart: %s, want 3 rules", e.Raw)
	}
	first := p2.waitEvent(ev("policy_rule", "rule", "1"), 5*time.Second)
	if first.Str("action") != "auto" || first.Str("match_from") != "friend" {
		t.Errorf("rule 1 after the restart: %s", first.Raw)
	}
	l.sipp("uac-refused-603", "127.0.0.1:5274", "FROM_USER=spammer", "SIPP_PORT=5275").expectRefused(t, 603)
	p2.waitFor(5*time.Second, "policy", "rule", "2", "action", "reject")
	if out, rc := ctl(t, sock, "policy", "del", "9"); rc != 1 || !strings.Contains(out, "no rule 9") {
		t.Errorf("policy del 9: rc %d %s, want an error", rc, out)
	}
}

// expectRefused: SIPp's one call ended as its scenario wanted, with code (expectOK forbids 603).
func (r SippResult) expectRefused(t *testing.T, code int) {
	t.Helper()
	if r.RC != 0 || r.Successful != 1 || r.Failed != 0 || !containsCode(r.Responses(), code) {
		t.Errorf("sipp %s: %s (want rc=0 successful=1, a %d); responses %v\n%s", r.Scenario, r.Line, code, r.Responses(), r.errTail())
	}
}

// TestPolicyEarlyAndPlay: an early rule answers SIPp with 183 and our media, never 200 (SIPp
// cancels: 487); a play rule answers, plays the WAV and hangs up itself (SIPp waits for our BYE).
func TestPolicyEarlyAndPlay(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	dir := t.TempDir()
	tone := filepath.Join(dir, "greeting.wav")
	makeTone(t, tone, 600, 1)
	p := startPhone(t, "--listen", "127.0.0.1:5274", "--audio", "null") // no config file: the rules go to the default path
	p.query("policy add action=early match_from=early1", "policies", 5*time.Second)
	p.query("policy add action=play match_from=player file="+tone, "policies", 5*time.Second)

	early := l.sippAsync("uac-early-cancel", "127.0.0.1:5274", "FROM_USER=early1", "SIPP_PORT=5275")
	play := l.sippAsync("uac-wait-bye", "127.0.0.1:5274", "FROM_USER=player", "SIPP_PORT=5276")
	(<-early).expectOK(t, 1) // the scenario wants 183 then 487 (a 200 to the INVITE fails it)
	(<-play).expectOK(t, 1)

	e := p.waitFor(5*time.Second, "call", "state", "early")
	p.waitEvent(ev("policy", "id", e.Str("id"), "rule", "1", "action", "early"), 5*time.Second)
	p.waitEvent(ev("media", "id", e.Str("id")), 5*time.Second)
	p.waitFor(5*time.Second, "call", "id", e.Str("id"), "state", "terminated", "code", "487")

	est := p.waitFor(5*time.Second, "call", "state", "established")
	p.waitEvent(ev("policy", "id", est.Str("id"), "rule", "2", "action", "play"), 5*time.Second)
	end := p.waitFor(10*time.Second, "call", "id", est.Str("id"), "state", "terminated")
	if !strings.Contains(end.Str("reason"), "played") || durationS(end) < 0.9 {
		t.Errorf("play call ended %s, want reason played and about 1 s long", end.Raw)
	}
}

func durationS(e Event) float64 {
	f, _ := e.M["duration_s"].(float64)
	return f
}
