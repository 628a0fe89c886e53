package main

// Only its own calls ring: sipvicious scans (svmap, svwar) and SIPp probes against the phone.
// Ports: the phone 5100 (scans), 5102 (max_calls), 5104 (flood); SIPp 5101; scanners from 5109.

import (
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"
)

// screenConfig: a direct-IP account (alice, rings from anywhere) and a registered one (100)
// whose registrar is an address where nothing runs: its default accept_from (registrar only)
// excludes 127.0.0.1, where every scanner and SIPp send from. Its REGISTER fails and retries.
const screenConfig = `# e2e: call screening
audio = "null"

[[accounts]]
name = "desk"
aor  = "sip:alice@127.0.0.1"

[[accounts]]
name      = "office"
aor       = "sip:100@127.0.0.1"
registrar = "sip:127.0.0.9:5999"
`

// scanResult is one sipvicious.sh run.
type scanResult struct {
	Out   string
	RC    int
	Found []string
}

var scanDoneRE = regexp.MustCompile(`(?m)^done (\S+) rc=(-?\d+) found=(\S*)\s*$`)

// scan runs .ci/lab/sipvicious.sh TOOL 127.0.0.1 PORT ARGS... (bounded by the script).
func (l *Lab) scan(tool string, port int, args ...string) scanResult {
	l.t.Helper()
	out, _ := l.run(90*time.Second, []string{"TIMEOUT=60"}, "sipvicious.sh",
		append([]string{tool, "127.0.0.1", strconv.Itoa(port)}, args...)...)
	m := scanDoneRE.FindStringSubmatch(out)
	if m == nil {
		l.t.Fatalf("sipvicious.sh %s %v: no done line:\n%s", tool, args, out)
	}
	r := scanResult{Out: out}
	r.RC, _ = strconv.Atoi(m[2])
	if m[3] != "-" && m[3] != "" {
		r.Found = strings.Split(m[3], ",")
	}
	l.t.Logf("lab: %s %v: rc=%d found=%v", tool, args, r.RC, r.Found)
	return r
}

// traceMsg is one message of the phone's --sip-trace file.
type traceMsg struct {
	Out   bool // the phone sent it
	First string
	CSeq  string
	CID   string
}

// readTrace parses the phone's SIP trace ("=== time transport local ->|<- remote (n bytes)").
func readTrace(t *testing.T, path string) []traceMsg {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("SIP trace: %v", err)
	}
	var msgs []traceMsg
	for _, chunk := range strings.Split(string(data), "\n=== ") {
		lines := strings.Split(strings.ReplaceAll(chunk, "\r", ""), "\n")
		if len(lines) < 2 {
			continue
		}
		m := traceMsg{Out: strings.Contains(lines[0], " -> "), First: lines[1]}
		for _, ln := range lines[2:] {
			if ln == "" {
				break
			}
			k, v, _ := strings.Cut(ln, ":")
			switch strings.ToLower(strings.TrimSpace(k)) {
			case "cseq":
				m.CSeq = strings.TrimSpace(v)
			case "call-id", "i":
				m.CID = strings.TrimSpace(v)
			}
		}
		msgs = append(msgs, m)
	}
	return msgs
}

// provisionalOrOKToInvite lists the 1xx/2xx answers to INVITEs the phone sent, except on the
// Call-IDs allowed.
func provisionalOrOKToInvite(msgs []traceMsg, allowed ...string) []string {
	var bad []string
	for _, m := range msgs {
		if !m.Out || !strings.HasSuffix(m.CSeq, "INVITE") {
			continue
		}
		f := strings.Fields(m.First)
		if len(f) < 2 || f[0] != "SIP/2.0" || (f[1][0] != '1' && f[1][0] != '2') {
			continue
		}
		ok := false
		for _, a := range allowed {
			ok = ok || m.CID == a
		}
		if !ok {
			bad = append(bad, m.First+" (Call-ID "+m.CID+")")
		}
	}
	return bad
}

// refused reads the refusal counters of the debug reply.
func refused(t *testing.T, p *Phone) map[string]int {
	t.Helper()
	d := p.query("debug", "debug", 5*time.Second)
	r, ok := d.M["refused"].(map[string]any)
	if !ok {
		t.Fatalf("debug reply without refused counters: %s", d.Raw)
	}
	out := map[string]int{}
	for k, v := range r {
		f, _ := v.(float64)
		out[k] = int(f)
	}
	return out
}

// answerShape is what a scanner can compare: the status line and which headers came back.
func answerShape(t *testing.T, r SippResult) string {
	t.Helper()
	for _, m := range r.SipMessages() {
		if !m.Sent && m.Code() != 0 {
			names := make([]string, 0, len(m.Headers))
			for k := range m.Headers {
				names = append(names, k)
			}
			sort.Strings(names)
			return m.First + " [" + strings.Join(names, " ") + "]"
		}
	}
	t.Errorf("sipp %s: no response in %s", r.Scenario, r.Messages)
	return ""
}

// TestScannersLearnNothing: svmap and svwar (REGISTER, OPTIONS and INVITE scans) against the
// phone, ringing and auto-answering: no incoming call, no 1xx/2xx to any INVITE of theirs,
// svwar finds no extension though 100 is an account's user, and SIPp gets the very same answer
// for the real users and a guessed one by every method. Then a normal call to the account's
// own user still rings (and is answered).
func TestScannersLearnNothing(t *testing.T) {
	needTools(t, "sipp", "sox", "svmap", "svwar")
	for _, mode := range []struct {
		name string
		args []string
	}{
		{"ringing", nil},
		{"auto-answer", []string{"--auto-answer", "0s"}},
	} {
		t.Run(mode.name, func(t *testing.T) {
			l := lab(t)
			cfg := writeFile(t, t.TempDir(), "sipterm.toml", screenConfig)
			p := startPhone(t, append([]string{"--config", cfg, "--listen", phoneAddr(5100)}, mode.args...)...)

			t.Log("step: svmap (OPTIONS, INVITE)")
			for _, method := range []string{"OPTIONS", "INVITE"} {
				if r := l.scan("svmap", 5100, "-m", method); r.RC != 0 {
					t.Errorf("svmap -m %s: rc=%d:\n%s", method, r.RC, r.Out)
				}
			}
			t.Log("step: svwar (REGISTER, OPTIONS, INVITE) over 90-130, which holds the real user 100")
			for _, method := range []string{"REGISTER", "OPTIONS", "INVITE"} {
				r := l.scan("svwar", 5100, "-e", "90-130", "-m", method)
				if r.RC != 0 {
					t.Errorf("svwar -m %s: rc=%d:\n%s", method, r.RC, r.Out)
				}
				if len(r.Found) > 0 {
					t.Errorf("svwar -m %s found extensions %v (want none; 100 is real):\n%s", method, r.Found, r.Out)
				}
				if !strings.Contains(r.Out, "found nothing") {
					t.Errorf("svwar -m %s: no \"found nothing\":\n%s", method, r.Out)
				}
			}

			t.Log("step: SIPp gets the same answer for the real users (100, alice) and guessed ones, by every method")
			probe := func(scenario, transport, user string) string {
				r := l.sipp(scenario, phoneAddr(5100), "SERVICE="+user, "SIPP_PORT=5101", "TRANSPORT="+transport)
				r.expectOK(t, 1)
				return answerShape(t, r)
			}
			for _, c := range []struct {
				scenario  string
				transport string
				users     []string // all must get the same answer
			}{
				{"uac-refused-404", "u1", []string{"100", "101", "sipterm"}}, // 100: real, from a source it does not accept
				{"uac-refused-404", "t1", []string{"100", "101"}},
				{"options", "u1", []string{"100", "alice", "101"}},
				{"register-405", "u1", []string{"100", "alice", "101"}},
				{"message-404", "u1", []string{"100", "101"}},
			} {
				first := ""
				for _, u := range c.users {
					shape := probe(c.scenario, c.transport, u)
					if first == "" {
						first = shape
					} else if shape != first {
						t.Errorf("%s: user %s got %q, user %s got %q: a scanner can tell them apart",
							c.scenario, c.users[0], first, u, shape)
					}
				}
				t.Logf("%s (%s): every user got %s", c.scenario, c.transport, first)
			}

			p.noEvent("incoming call from a scanner or probe", ev("call", "state", "incoming"))
			n := refused(t, p)
			if n["not_ours"] == 0 || n["not_allowed_source"] == 0 {
				t.Errorf("refused counters %v: want not_ours and not_allowed_source counted", n)
			}
			// the real user called from a source it does not accept: a person should know, once
			notices := 0
			for _, e := range p.Events() {
				if e.Str("event") == "notice" && strings.Contains(e.Str("message"), "not in accept_from") {
					notices++
				}
			}
			if notices != 1 {
				t.Errorf("%d accept_from notices, want 1 (once per source):\n%s", notices, p.dumpEvents(30))
			}
			if bad := provisionalOrOKToInvite(readTrace(t, p.trace)); len(bad) > 0 {
				t.Errorf("the phone sent 1xx/2xx to scanner INVITEs: %v", bad)
			}
			errLog, _ := os.ReadFile(p.errLog)
			if c := strings.Count(string(errLog), "refused a request"); c != 1 {
				t.Errorf("%d refusal log lines, want 1 (first refusal per source only)", c)
			}

			t.Log("step: a normal call to alice still rings")
			res := l.sippAsync("uac-rtp", phoneAddr(5100), "SERVICE=alice", "SIPP_PORT=5101")
			in := p.waitFor(10*time.Second, "call", "state", "incoming")
			if in.Str("account") != "desk" {
				t.Errorf("incoming call on account %q, want desk: %s", in.Str("account"), in.Raw)
			}
			if mode.args == nil {
				p.Send("answer " + in.Str("id"))
			}
			r := <-res
			r.expectOK(t, 1)
			p.waitFor(15*time.Second, "call", "id", in.Str("id"), "state", "terminated")
			var callID string
			for _, m := range r.SipMessages() {
				if m.Sent {
					callID = m.Headers["call-id"]
					break
				}
			}
			if bad := provisionalOrOKToInvite(readTrace(t, p.trace), callID); len(bad) > 0 {
				t.Errorf("1xx/2xx to INVITEs other than alice's call: %v", bad)
			}
		})
	}
}

// TestMaxCallsBusy: with max_calls = 1 a second call while the first rings gets 486 at once
// (no 1xx), the phone shows a notice, and debug counts it as busy.
func TestMaxCallsBusy(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	cfg := writeFile(t, t.TempDir(), "sipterm.toml", "max_calls = 1\n"+screenConfig)
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5102))
	first := l.sippAsync("uac-rtp", phoneAddr(5102), "SERVICE=alice", "SIPP_PORT=5101", "RECV_TIMEOUT=20000")
	in := p.waitFor(10*time.Second, "call", "state", "incoming")

	busy := l.sipp("uac-refused-486", phoneAddr(5102), "SERVICE=alice", "SIPP_PORT=5103")
	busy.expectOK(t, 1)
	note := p.waitFor(5*time.Second, "notice")
	if !strings.Contains(note.Str("message"), "486") {
		t.Errorf("notice %s does not say 486", note.Raw)
	}
	if n := refused(t, p); n["busy"] != 1 {
		t.Errorf("refused counters %v: want busy 1", n)
	}
	if c := strings.Count(p.dumpEvents(1000), `"state":"incoming"`); c != 1 {
		t.Errorf("%d incoming call events, want 1 (the refused call never rings)", c)
	}

	p.Send("answer " + in.Str("id"))
	(<-first).expectOK(t, 1)
	p.waitFor(15*time.Second, "call", "id", in.Str("id"), "state", "terminated")
}

// TestFloodIsRateLimited: a source over rate_limit is dropped without an answer, counted, and
// logged once; the phone still takes a normal call once the source calms down.
func TestFloodIsRateLimited(t *testing.T) {
	needTools(t, "sipp", "sox", "svwar")
	l := lab(t)
	cfg := writeFile(t, t.TempDir(), "sipterm.toml", "rate_limit = 5\n"+screenConfig)
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5104), "--auto-answer", "0s")

	// 201 OPTIONS as fast as svwar sends: the burst (10) passes, most of the rest is dropped
	r := l.scan("svwar", 5104, "-e", "100-300", "-m", "OPTIONS")
	if len(r.Found) > 0 {
		t.Errorf("svwar found %v", r.Found)
	}
	n := refused(t, p)
	if n["rate_limited"] < 100 {
		t.Errorf("refused counters %v: want most of 201 OPTIONS rate_limited", n)
	}
	oks := 0
	for _, m := range readTrace(t, p.trace) {
		if m.Out && strings.HasSuffix(m.CSeq, "OPTIONS") {
			oks++
		}
	}
	if oks == 0 || oks > 100 {
		t.Errorf("%d answers to 201 OPTIONS: want the burst answered and the flood not", oks)
	}
	errLog, _ := os.ReadFile(p.errLog)
	if c := strings.Count(string(errLog), "refused a request"); c != 1 {
		t.Errorf("%d refusal log lines for one flooding source, want 1", c)
	}

	time.Sleep(3 * time.Second) // the bucket refills (5/s up to 10): a flood ends, the phone takes calls
	l.sipp("uac-rtp", phoneAddr(5104), "SERVICE=alice", "SIPP_PORT=5101").expectOK(t, 1)
	p.waitFor(15*time.Second, "call", "state", "terminated")
}
