package main

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// natLab is a real NAT built in network namespaces by .ci/lab/nat.sh: the phone in PREFIX-lan
// (192.168.77.2) behind a masquerading router PREFIX-rtr (public 203.0.113.2, UDP bindings
// expire after 5 s idle), kamailio and a STUN server in PREFIX-wan (203.0.113.1), SIPp there too.
type natLab struct {
	*Lab
	prefix, lan, rtr, wan string
}

// startNAT builds the namespaces; they are deleted when the test ends (also on failure), after
// the lab's peers and the phone (cleanups run last-registered first, and this one comes first).
func startNAT(t *testing.T) *natLab {
	t.Helper()
	needTools(t, "ip", "iptables", "kamailio", "sipp", "stund", "sox")
	if os.Geteuid() != 0 {
		t.Fatal("the NAT test builds network namespaces: it needs root (make test runs as root)")
	}
	prefix := fmt.Sprintf("nt%05x", rand.IntN(1<<20)) // unique per run: parallel labs do not collide
	script := filepath.Join(labScripts, "nat.sh")
	t.Cleanup(func() {
		if out, err := exec.Command(script, "down", prefix).CombinedOutput(); err != nil {
			t.Logf("nat.sh down %s: %v %s", prefix, err, out)
		}
	})
	out, err := exec.Command(script, "up", prefix).CombinedOutput()
	if err != nil {
		t.Fatalf("nat.sh up %s: %v\n%s", prefix, err, out)
	}
	t.Logf("nat: %s", strings.TrimSpace(string(out)))
	return &natLab{Lab: lab(t), prefix: prefix, lan: prefix + "-lan", rtr: prefix + "-rtr", wan: prefix + "-wan"}
}

// runIn runs a lab script inside a namespace (like Lab.run).
func (n *natLab) runIn(ns string, timeout time.Duration, env []string, script string, args ...string) (string, int) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, "ip", append([]string{"netns", "exec", ns, filepath.Join(labScripts, script)}, args...)...)
	cmd.Env = append(append(os.Environ(), "LAB_DIR="+n.Dir), env...)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	rc := 0
	if err := cmd.Run(); err != nil {
		rc = -1
		if ee, ok := err.(*exec.ExitError); ok && ctx.Err() == nil {
			rc = ee.ExitCode()
		}
	}
	return out.String(), rc
}

// startPeerIn is Lab.startPeer inside a namespace.
func (n *natLab) startPeerIn(ns string, env []string, script string, args ...string) Peer {
	n.t.Helper()
	out, rc := n.runIn(ns, 60*time.Second, env, script, args...)
	m := readyRE.FindStringSubmatch(out)
	if rc != 0 || m == nil {
		n.t.Fatalf("%s %v in %s: rc=%d, no ready line:\n%s", script, args, ns, rc, out)
	}
	n.t.Logf("lab: %s", m[0])
	return Peer{Name: m[1], URI: m[2], Line: m[0]}
}

// rtrIptables changes the router's filter rules.
func (n *natLab) rtrIptables(args ...string) {
	n.t.Helper()
	if out, err := exec.Command("ip", append([]string{"netns", "exec", n.rtr, "iptables"}, args...)...).CombinedOutput(); err != nil {
		n.t.Fatalf("iptables %v: %v %s", args, err, out)
	}
}

// traceHas says whether one message in a SIP trace (messages start with "=== ") holds all parts.
func traceHas(trace []byte, parts ...string) bool {
	for _, msg := range strings.Split(string(trace), "\n=== ") {
		all := true
		for _, part := range parts {
			all = all && strings.Contains(msg, part)
		}
		if all {
			return true
		}
	}
	return false
}

// traceEventually polls the SIP trace file until one message holds every part, or timeout.
func traceEventually(path string, timeout time.Duration, parts ...string) bool {
	deadline := time.Now().Add(timeout)
	for {
		trace, _ := os.ReadFile(path)
		if traceHas(trace, parts...) {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var fwdRE = regexp.MustCompile(`(?m)^\s*(\d+)\s+\d+\s.*/\* (lan2wan|wan2lan) \*/`)

// forwarded reads the router's counters of non-SIP UDP packets (RTP, STUN) that crossed the NAT.
func (n *natLab) forwarded() (lan2wan, wan2lan int) {
	n.t.Helper()
	out, err := exec.Command("ip", "netns", "exec", n.rtr, "iptables", "-L", "FORWARD", "-v", "-x", "-n").CombinedOutput()
	if err != nil {
		n.t.Fatalf("iptables counters: %v %s", err, out)
	}
	for _, m := range fwdRE.FindAllStringSubmatch(string(out), -1) {
		v, _ := strconv.Atoi(m[1])
		if m[2] == "lan2wan" {
			lan2wan = v
		} else {
			wan2lan = v
		}
	}
	return lan2wan, wan2lan
}

// TestNATTraversal: the phone registers from behind a real NAT (port-rewriting masquerade),
// learns its public address from rport/received and registers that Contact (removing the
// private one); keep-alives every 2 s hold the router's 5 s UDP binding open; after 8 s a SIPp
// caller on the public side calls the account through kamailio: the INVITE reaches the phone
// through the NAT, it answers, and RTP flows both ways through the NAT to the STUN-mapped
// address in our SDP (the phone records SIPp's 440 Hz tone).
func TestNATTraversal(t *testing.T) {
	n := startNAT(t)
	n.startPeerIn(n.wan, []string{"KAM_ADDR=203.0.113.1", "KAM_DOMAIN=203.0.113.1", "KAM_AUTH_INVITE=0"}, "kamailio.sh", "5060")
	n.startPeerIn(n.wan, nil, "stund.sh", "203.0.113.1", "203.0.113.3", "3478")

	dir := t.TempDir()
	tone := filepath.Join(dir, "tone1000.wav")
	makeTone(t, tone, 1000, 30)
	rec := filepath.Join(dir, "rec.wav")
	cfg := writeFile(t, dir, "sipterm.toml", `# e2e: alice behind a NAT
listen    = "192.168.77.2:5130"
audio     = "null"
rtp_ports = "16000-16099"

[[accounts]]
name        = "alice"
aor         = "sip:alice@203.0.113.1"
registrar   = "sip:203.0.113.1:5060"
password    = "alicepw"
expires     = 60
auto_answer = "1s"
keepalive   = "2s"                  # the router forgets an idle UDP binding after 5 s
stun_server = "203.0.113.1:3478"
`)
	p := startPhoneIn(t, []string{"ip", "netns", "exec", n.lan}, nil, "--config", cfg,
		"--listen", "192.168.77.2:5130", "--audio", "file", "--play", tone, "--record", rec)

	t.Log("step: registered with the public address as Contact")
	reg := p.waitFor(15*time.Second, "registration", "account", "alice", "state", "registered")
	contact := reg.Str("contact")
	if !regexp.MustCompile(`^sip:alice@203\.0\.113\.2:40(0\d\d|100)$`).MatchString(contact) {
		t.Fatalf("registered contact %q, want the NAT's public address 203.0.113.2:40000-40100: %s", contact, reg.Raw)
	}
	trace, _ := os.ReadFile(p.trace)
	if !regexp.MustCompile(`(?s)REGISTER sip:203\.0\.113\.1:5060 SIP/2\.0.*?Contact: <sip:alice@192\.168\.77\.2:5130>;expires=0`).Match(trace) {
		t.Errorf("no REGISTER removing the private contact (expires=0) in the SIP trace %s", p.trace)
	}
	if !bytes.Contains(trace, []byte(";rport")) {
		t.Errorf("no ;rport in our Via (SIP trace %s)", p.trace)
	}

	t.Log("step: 8 s idle (longer than the router's 5 s UDP timeout): keep-alives hold the binding")
	time.Sleep(8 * time.Second)
	if trace, _ = os.ReadFile(p.trace); bytes.Count(trace, []byte("OPTIONS sip:203.0.113.1:5060 SIP/2.0")) < 3 {
		t.Errorf("fewer than 3 keep-alive OPTIONS in 8 s (keepalive 2s)")
	}

	t.Log("step: SIPp on the public side calls alice through kamailio")
	l2wBefore, w2lBefore := n.forwarded()
	res := make(chan SippResult, 1)
	go func() {
		out, rc := n.runIn(n.wan, 2*time.Minute, []string{"NAME=sipp-nat", "SIPP_PORT=5131", "MEDIA_PORT=16500",
			"SERVICE=alice", "DURATION=10", "TONE_FREQ=440"}, "sipp.sh", "uac-rtp", "203.0.113.1:5060",
			"-i", "203.0.113.3", "-mi", "203.0.113.3")
		r := SippResult{RC: rc, Out: out}
		if m := doneRE.FindStringSubmatch(out); m != nil {
			r.Line = m[0]
			r.RC, _ = strconv.Atoi(m[2])
		}
		res <- r
	}()
	in := p.waitFor(15*time.Second, "call", "state", "incoming")
	id := in.Str("id")
	p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	// stats come every 2.5-7.5 s: a 10 s call has at least one
	st := p.waitEvent(func(e Event) bool {
		return e.Str("event") == "stats" && e.Str("id") == id && e.Int("received") > 50 && e.Int("sent") > 50
	}, 15*time.Second)
	t.Logf("phone stats: %s", st.Raw)
	r := <-res
	if r.RC != 0 {
		t.Fatalf("SIPp call through the NAT failed: %s\n%s", r.Line, tail(r.Out, 30))
	}
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")

	l2w, w2l := n.forwarded()
	t.Logf("RTP through the NAT: lan->wan %d, wan->lan %d packets", l2w-l2wBefore, w2l-w2lBefore)
	if l2w-l2wBefore < 100 || w2l-w2lBefore < 100 {
		t.Errorf("RTP through the NAT: lan->wan %d, wan->lan %d packets; want >= 100 each way (10 s call)", l2w-l2wBefore, w2l-w2lBefore)
	}
	trace, _ = os.ReadFile(p.trace)
	if !traceHas(trace, "SIP/2.0 200 OK", "CSeq: 1 INVITE", "Contact: <sip:alice@203.0.113.2:40") {
		t.Errorf("our 200 OK to the INVITE does not carry the corrected (public) Contact (SIP trace %s)", p.trace)
	}
	if !bytes.Contains(trace, []byte("c=IN IP4 203.0.113.2")) {
		t.Errorf("our SDP does not carry the STUN-mapped public address 203.0.113.2 (SIP trace %s)", p.trace)
	}
	t.Log("step: an outgoing INVITE of the account carries the corrected Contact too")
	p.Mark()
	p.Send("dial sip:carol@203.0.113.1") // known to kamailio, not registered: 480
	if out := p.waitFor(15*time.Second, "call", "direction", "out", "state", "terminated"); out.Int("code") != 480 {
		t.Errorf("dialing the unregistered carol: %s, want 480 from kamailio", out.Raw)
	}
	// The trace is written by its own goroutine: the 480 event can come before the INVITE is in the file.
	if !traceEventually(p.trace, 5*time.Second, "INVITE sip:carol@203.0.113.1 SIP/2.0", "Contact: <sip:alice@203.0.113.2:40") {
		t.Errorf("our INVITE does not carry the corrected (public) Contact (SIP trace %s)", p.trace)
	}

	if e, bad := p.find(ev("registration", "state", "failed")); bad {
		t.Errorf("the registration flapped (binding check or refresh failed): %s", e.Raw)
	}

	t.Log("step: the NAT forgets us (SIP dropped for 7 s): a keep-alive finds the new public port, alice registers it")
	n.rtrIptables("-t", "raw", "-I", "PREROUTING", "-p", "udp", "--sport", "5130", "-j", "DROP")
	time.Sleep(7 * time.Second)
	p.Mark()
	n.rtrIptables("-t", "raw", "-D", "PREROUTING", "-p", "udp", "--sport", "5130", "-j", "DROP")
	if rereg, ok := p.tryWait(func(e Event) bool {
		return e.Str("event") == "registration" && e.Str("state") == "registered" && e.Str("contact") != contact
	}, 15*time.Second); ok {
		t.Logf("registered again: %s", rereg.Raw)
	} else {
		// the NAT picks the new port at random from 101: it may be the old one again
		trace, _ = os.ReadFile(p.trace)
		ports := regexp.MustCompile(`rport=(\d+);received=203\.0\.113\.2`).FindAllSubmatch(trace, -1)
		if len(ports) == 0 || !strings.HasSuffix(contact, ":"+string(ports[len(ports)-1][1])) {
			t.Errorf("no registration with a new contact within 15 s after the NAT lost our binding (contact %s)", contact)
		} else {
			t.Logf("the NAT gave the same public port again: %s", contact)
		}
	}

	t.Log("step: a second call through the new binding")
	p.Mark()
	out, rc := n.runIn(n.wan, 2*time.Minute, []string{"NAME=sipp-nat2", "SIPP_PORT=5131", "MEDIA_PORT=16500",
		"SERVICE=alice", "DURATION=2"}, "sipp.sh", "uac-rtp", "203.0.113.1:5060", "-i", "203.0.113.3", "-mi", "203.0.113.3")
	if m := doneRE.FindStringSubmatch(out); rc != 0 || m == nil || m[2] != "0" {
		t.Fatalf("the second call (after the NAT lost our binding) failed: rc=%d\n%s", rc, tail(out, 30))
	}
	p.waitFor(10*time.Second, "call", "state", "terminated")

	p.stop()
	if out, ok := n.wavcheckTrimmed(rec, 440); !ok {
		t.Errorf("the phone's recording does not hold SIPp's 440 Hz tone: %s", out)
	} else {
		t.Logf("phone rec: %s", out)
	}
}

// TestNATKeepaliveTCP: over TCP the keep-alive is a double CRLF on the registrar connection
// (RFC 5626 §4.4.1), and kamailio answers each with a CRLF: the router counts the tiny segments.
func TestNATKeepaliveTCP(t *testing.T) {
	n := startNAT(t)
	n.startPeerIn(n.wan, []string{"KAM_ADDR=203.0.113.1", "KAM_DOMAIN=203.0.113.1"}, "kamailio.sh", "5060")
	// TCP segments with 1-8 bytes of payload (IPv4 20 + TCP 20 + 12 timestamp option bytes, which
	// Linux sends by default): CRLF pings and pongs; bare ACKs are 52 bytes, SIP messages far more
	n.rtrIptables("-I", "FORWARD", "-p", "tcp", "--dport", "5060", "-m", "length", "--length", "53:60", "-m", "comment", "--comment", "ping")
	n.rtrIptables("-I", "FORWARD", "-p", "tcp", "--sport", "5060", "-m", "length", "--length", "53:60", "-m", "comment", "--comment", "pong")
	cfg := writeFile(t, t.TempDir(), "sipterm.toml", `# e2e: alice registers over TCP from behind a NAT
listen = "192.168.77.2:5132"
audio  = "null"

[[accounts]]
name      = "alice"
aor       = "sip:alice@203.0.113.1"
registrar = "sip:203.0.113.1:5060;transport=tcp"
password  = "alicepw"
expires   = 60
keepalive = "1s"
`)
	p := startPhoneIn(t, []string{"ip", "netns", "exec", n.lan}, nil, "--config", cfg, "--listen", "192.168.77.2:5132", "--audio", "null")
	p.waitFor(15*time.Second, "registration", "account", "alice", "state", "registered")
	time.Sleep(5 * time.Second)
	out, err := exec.Command("ip", "netns", "exec", n.rtr, "iptables", "-L", "FORWARD", "-v", "-x", "-n").CombinedOutput()
	if err != nil {
		t.Fatalf("iptables counters: %v %s", err, out)
	}
	count := func(name string) int {
		m := regexp.MustCompile(`(?m)^\s*(\d+)\s+\d+\s.*/\* ` + name + ` \*/`).FindStringSubmatch(string(out))
		if m == nil {
			t.Fatalf("no %s counter in:\n%s", name, out)
		}
		v, _ := strconv.Atoi(m[1])
		return v
	}
	pings, pongs := count("ping"), count("pong")
	t.Logf("CRLF keep-alives in 5 s: %d pings, %d pongs", pings, pongs)
	if pings < 3 || pongs < 3 {
		t.Errorf("CRLF keep-alives over TCP in 5 s (keepalive 1s): %d pings, %d pongs; want >= 3 each", pings, pongs)
	}
	trace, _ := os.ReadFile(p.trace)
	if bytes.Contains(trace, []byte("OPTIONS sip:")) {
		t.Errorf("keep-alive OPTIONS over TCP; want CRLF only")
	}
}
