package main

// SIP and RTP through a lossy link (issue 10): the full campaign is .ci/soak/loss.sh (make
// loss); these are the checks that fit in make test. Ports 5350-5369 (loss.sh uses the same in
// its own namespaces).

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

// TestAnswerByeBeforeAck: the caller's ACK is lost and it hangs up before another 200 draws a
// new one. The phone retransmits its 200 on RFC 3261's schedule (0.5 s and 1.5 s: sipgo alone
// waits 4 s after the first) and takes the BYE as proof the call was answered: established,
// then terminated by the remote BYE (it used to end as 408 "no ACK for our 200 OK").
func TestAnswerByeBeforeAck(t *testing.T) {
	p := answeredThenBye(t, "uac-bye-no-ack", 5355)
	// three sends of the 200 before the BYE at 2 s: 0, 0.5 and 1.5 s (the trace is async)
	if err := waitFileContains(p.trace, "CSeq: 2 BYE", 10*time.Second); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(p.trace)
	if err != nil {
		t.Fatal(err)
	}
	before, _, _ := strings.Cut(string(b), "BYE sip:")
	if n := countOut200Invite(before); n < 3 {
		t.Fatalf("our 200 went out %d times before the BYE, want 3 (0, 0.5, 1.5 s):\n%s", n, before)
	}
}

// countOut200Invite counts the 200s to an INVITE the phone sent in a SIP trace.
func countOut200Invite(trace string) int {
	n := 0
	for _, block := range strings.Split(trace, "\n=== ") {
		head, body, _ := strings.Cut(block, "\n")
		if strings.Contains(head, " -> ") && strings.HasPrefix(body, "SIP/2.0 200") && strings.Contains(body, "CSeq: 1 INVITE") {
			n++
		}
	}
	return n
}

// lossNet is a pair of network namespaces A and B joined by .ci/lab/netns.sh's impaired link.
type lossNet struct {
	l    *Lab
	env  []string // LAB_DIR comes from the lab; NETNS_PREFIX names our namespaces
	A, B string   // addresses
	nsB  string   // real netns name of B
}

// newLossNet brings up the namespaces (root needed: the test fails, never skips, without) and
// tears them down in t.Cleanup, whatever happens.
func newLossNet(t *testing.T, l *Lab) *lossNet {
	t.Helper()
	needTools(t, "ip", "python3")
	n := &lossNet{l: l, env: []string{fmt.Sprintf("NETNS_PREFIX=loss%d", os.Getpid()%100000), "SEED=1"}}
	out, rc := l.run(30*time.Second, n.env, "netns.sh", "up", "2")
	t.Cleanup(func() {
		if out, rc := l.run(30*time.Second, n.env, "netns.sh", "down"); rc != 0 {
			t.Errorf("netns.sh down: rc=%d %s", rc, out)
		}
	})
	if rc != 0 {
		t.Fatalf("netns.sh up (needs root): rc=%d %s", rc, out)
	}
	t.Logf("lab: %s", strings.TrimSpace(out))
	n.A, n.B = n.must(t, "addr", "A"), n.must(t, "addr", "B")
	n.nsB = n.must(t, "name", "B")
	return n
}

func (n *lossNet) must(t *testing.T, args ...string) string {
	t.Helper()
	out, rc := n.l.run(30*time.Second, n.env, "netns.sh", args...)
	if rc != 0 {
		t.Fatalf("netns.sh %v: rc=%d %s", args, rc, out)
	}
	return strings.TrimSpace(out)
}

// sippFromA runs sipp.sh inside namespace A against target.
func (n *lossNet) sippFromA(scenario, target string, env ...string) SippResult {
	n.l.n++
	env = append(append([]string{fmt.Sprintf("NAME=sipp-%s-%d", scenario, n.l.n)}, n.env...), env...)
	out, rc := n.l.run(5*time.Minute, env, "netns.sh", "exec", "A", filepath.Join(labScripts, "sipp.sh"),
		scenario, target, "-i", n.A, "-mi", n.A)
	r := SippResult{Scenario: scenario, RC: rc, Successful: -1, Failed: -1, Out: out}
	if m := doneRE.FindStringSubmatch(out); m != nil {
		r.Line = m[0]
		r.Successful, r.Failed = atoiOr(m[3], -1), atoiOr(m[4], -1)
		r.RC = atoiOr(m[2], rc)
		r.Screen, r.Messages = m[5], m[6]
	}
	return r
}

var lostRE = regexp.MustCompile(`(?m)^\s*([A-Z]) rx=.*\blost=(\d+)`)

// TestLossTenPercent: 10 % loss both ways with 40 ms ± 10 ms of delay (SIP and RTP alike), five
// SIPp calls with 3 s of PCMU each into a phone in another namespace: every call is set up, and
// the jitter buffer's counters of each call (in its terminated event) show the loss: packets
// lost and frames concealed, each less than 40 % of the call's frames.
func TestLossTenPercent(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	n := newLossNet(t, l)
	p := startPhoneIn(t, []string{"ip", "netns", "exec", n.nsB}, nil,
		"--listen", n.B+":5350", "--auto-answer", "0s", "--audio", "null", "--control", "none")
	n.must(t, "impair", "LOSS=10%", "DELAY=40ms", "JITTER=10ms")

	const calls, seconds = 5, 3
	r := n.sippFromA("uac-rtp", n.B+":5350", "SIPP_PORT=5351", "MEDIA_PORT=11900",
		fmt.Sprint("COUNT=", calls), "RATE=2", "LIMIT=5", fmt.Sprint("DURATION=", seconds))
	if r.RC != 0 || r.Successful != calls {
		t.Fatalf("SIPp: %s\n%s", r.Line, r.errTail())
	}
	status := n.must(t, "status")
	t.Logf("wire: %s", status)
	if m := lostRE.FindAllStringSubmatch(status, -1); len(m) != 2 || m[0][2] == "0" || m[1][2] == "0" {
		t.Fatalf("the wire did not drop packets both ways:\n%s", status)
	}

	for i := 0; i < calls; i++ {
		end := p.waitEvent(func(e Event) bool {
			return e.Str("event") == "call" && e.Str("state") == "terminated"
		}, 20*time.Second)
		st, _ := end.M["stats"].(map[string]any)
		if end.Int("code") != 200 || st == nil {
			t.Fatalf("call ended badly or without stats: %s", end.Raw)
		}
		num := func(k string) float64 { v, _ := st[k].(float64); return v }
		received, lost, concealed := num("received"), num("lost"), num("concealed")
		frames := received + lost
		t.Logf("%s: received %v lost %v late %v concealed %v", end.Str("id"), received, lost, num("late"), concealed)
		if received < seconds*50/2 {
			t.Errorf("%s: only %v packets of ~%d received", end.Str("id"), received, seconds*50)
		}
		// concealed counts the lost frames and the buffer's underruns: both seen, both well
		// under 40 % of the call at 10 % loss
		if lost == 0 || concealed == 0 || lost >= 0.4*frames || concealed >= 0.4*frames {
			t.Errorf("%s: lost %v, concealed %v of %v frames: want some of each, under 40 %%", end.Str("id"), lost, concealed, frames)
		}
	}
}
