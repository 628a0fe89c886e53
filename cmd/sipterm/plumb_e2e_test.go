package main

// Account plumbing against real peers: every SIP message leaves from the listening port,
// REGISTER goes through the outbound proxy, a challenged BYE is answered, password_cmd runs
// once per session, and an explicit busy --listen stops start-up. Ports: the phone 5140, 5144,
// 5146, 5147, 5149; UDP peers written here 5141-5143; a held port 5145; SIPp 5148; kamailio 5060.

import (
	"fmt"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// udpPeer is a bare UDP endpoint in the test: it reads what the phone sends and from which
// address, so the test sees the real source port of every packet.
type udpPeer struct {
	t    *testing.T
	conn *net.UDPConn
}

func newUDPPeer(t *testing.T, port int) *udpPeer {
	t.Helper()
	c, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatalf("udp peer on %d: %v", port, err)
	}
	t.Cleanup(func() { c.Close() })
	return &udpPeer{t: t, conn: c}
}

// recv waits for a SIP message whose first line starts with prefix (others are skipped).
func (u *udpPeer) recv(prefix string, timeout time.Duration) (string, *net.UDPAddr) {
	u.t.Helper()
	deadline := time.Now().Add(timeout)
	buf := make([]byte, 65536)
	for {
		_ = u.conn.SetReadDeadline(deadline)
		n, from, err := u.conn.ReadFromUDP(buf)
		if err != nil {
			u.t.Fatalf("udp peer %s: no %q within %v: %v", u.conn.LocalAddr(), prefix, timeout, err)
		}
		msg := string(buf[:n])
		if strings.HasPrefix(msg, prefix) {
			return msg, from
		}
	}
}

func (u *udpPeer) send(to string, msg string) {
	u.t.Helper()
	addr, err := net.ResolveUDPAddr("udp", to)
	if err != nil {
		u.t.Fatal(err)
	}
	if _, err := u.conn.WriteToUDP([]byte(strings.ReplaceAll(msg, "\n", "\r\n")), addr); err != nil {
		u.t.Fatal(err)
	}
}

// sipHeader returns the first value of a header in a raw SIP message ("" if absent).
func sipHeader(msg, name string) string {
	for _, line := range strings.Split(msg, "\r\n") {
		if line == "" {
			break
		}
		if k, v, ok := strings.Cut(line, ":"); ok && strings.EqualFold(strings.TrimSpace(k), name) {
			return strings.TrimSpace(v)
		}
	}
	return ""
}

// replyTo builds a response to a raw request (Via, From, To with a tag, Call-ID, CSeq copied).
func replyTo(req, status string, extra ...string) string {
	to := sipHeader(req, "To")
	if !strings.Contains(to, "tag=") {
		to += ";tag=plumbtest"
	}
	lines := []string{"SIP/2.0 " + status, "Via: " + sipHeader(req, "Via"), "From: " + sipHeader(req, "From"),
		"To: " + to, "Call-ID: " + sipHeader(req, "Call-ID"), "CSeq: " + sipHeader(req, "CSeq")}
	lines = append(lines, extra...)
	return strings.Join(append(lines, "Content-Length: 0", "", ""), "\n")
}

func wantSourcePort(t *testing.T, what string, from *net.UDPAddr, port int) {
	t.Helper()
	if from.Port != port {
		t.Errorf("%s came from %s, want the listening port %d", what, from, port)
	} else {
		t.Logf("%s came from %s (the listening port)", what, from)
	}
}

// TestPlumbSourcePort: the first REGISTER, an outgoing INVITE (and its ACK) and the responses
// to an incoming INVITE all leave from the phone's listening UDP port. The incoming INVITE's
// Via names another port than its source (no rport), so the responses go to that port: they
// must still come from the listening socket.
func TestPlumbSourcePort(t *testing.T) {
	registrar, callee, viaPeer := newUDPPeer(t, 5141), newUDPPeer(t, 5142), newUDPPeer(t, 5143)
	cfg := writeFile(t, t.TempDir(), "sipterm.toml", `# e2e: source ports
audio = "null"

[[accounts]]
name      = "plumb"
aor       = "sip:plumb@plumb.test"
registrar = "sip:127.0.0.1:5141"
password  = "pw"
expires   = 3600
`)
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5140), "--audio", "null")

	reg, from := registrar.recv("REGISTER ", 10*time.Second)
	wantSourcePort(t, "the first REGISTER", from, 5140)
	registrar.send(from.String(), replyTo(reg, "200 OK", "Contact: "+sipHeader(reg, "Contact")+";expires=3600"))
	p.waitFor(10*time.Second, "registration", "account", "plumb", "state", "registered")

	p.Mark()
	p.Send("dial sip:bob@127.0.0.1:5142")
	inv, from := callee.recv("INVITE ", 10*time.Second)
	wantSourcePort(t, "the outgoing INVITE", from, 5140)
	callee.send(from.String(), replyTo(inv, "486 Busy Here"))
	_, from = callee.recv("ACK ", 10*time.Second)
	wantSourcePort(t, "the ACK to 486", from, 5140)
	term := p.waitFor(10*time.Second, "call", "state", "terminated")
	if term.Int("code") != 486 {
		t.Errorf("outgoing call ended with %d, want 486: %s", term.Int("code"), term.Raw)
	}

	p.Mark()
	sdp := "v=0\no=test 1 1 IN IP4 127.0.0.1\ns=-\nc=IN IP4 127.0.0.1\nt=0 0\nm=audio 11990 RTP/AVP 0\na=rtpmap:0 PCMU/8000\n"
	invite := strings.Join([]string{
		"INVITE sip:plumb@127.0.0.1:5140 SIP/2.0",
		"Via: SIP/2.0/UDP 127.0.0.1:5143;branch=z9hG4bKplumb1",
		"Max-Forwards: 70",
		"From: <sip:caller@127.0.0.1:5143>;tag=caller1",
		"To: <sip:plumb@plumb.test>",
		"Call-ID: plumb-source-port-1",
		"CSeq: 1 INVITE",
		"Contact: <sip:caller@127.0.0.1:5143>",
		"Content-Type: application/sdp",
		fmt.Sprintf("Content-Length: %d", len(strings.ReplaceAll(sdp, "\n", "\r\n"))),
		"", sdp}, "\n")
	callee.send(phoneAddr(5140), invite) // from 5142; Via says 5143
	ring, from := viaPeer.recv("SIP/2.0 180", 10*time.Second)
	wantSourcePort(t, "the 180 to an incoming INVITE", from, 5140)
	in := p.waitFor(10*time.Second, "call", "state", "incoming")
	p.Send("reject " + in.Str("id") + " 486")
	final, from := viaPeer.recv("SIP/2.0 486", 10*time.Second)
	wantSourcePort(t, "the 486 to an incoming INVITE", from, 5140)
	ack := strings.Join([]string{
		"ACK sip:plumb@127.0.0.1:5140 SIP/2.0",
		"Via: SIP/2.0/UDP 127.0.0.1:5143;branch=z9hG4bKplumb1",
		"Max-Forwards: 70",
		"From: <sip:caller@127.0.0.1:5143>;tag=caller1",
		"To: " + sipHeader(final, "To"),
		"Call-ID: plumb-source-port-1",
		"CSeq: 1 ACK",
		"Content-Length: 0", "", ""}, "\n")
	callee.send(phoneAddr(5140), ack)
	_ = ring
	p.waitFor(10*time.Second, "call", "id", in.Str("id"), "state", "terminated")

	// listening on every address (a dual-stack socket): the INVITE still leaves from it
	wild := startPhone(t, "--listen", "0.0.0.0:5144", "--audio", "null")
	wild.Send("dial sip:bob@127.0.0.1:5142")
	inv, from = callee.recv("INVITE ", 10*time.Second)
	wantSourcePort(t, "the INVITE of a phone listening on 0.0.0.0", from, 5144)
	callee.send(from.String(), replyTo(inv, "486 Busy Here"))
	wild.waitFor(10*time.Second, "call", "state", "terminated")
}

// TestPlumbBusyListen: a --listen (or config listen) whose port is busy stops start-up with a
// message that names the address and a non-zero exit; only the built-in default falls back to
// a free port, with a notice.
func TestPlumbBusyListen(t *testing.T) {
	skipInUnit(t, "runs the built phone")
	if err := ensurePhone(); err != nil {
		t.Fatalf("the phone binary could not be built:\n%v", err)
	}
	hold, err := net.ListenPacket("udp", "127.0.0.1:5145")
	if err != nil {
		t.Fatal(err)
	}
	defer hold.Close()
	dir := t.TempDir()
	cfg := writeFile(t, dir, "sipterm.toml", "listen = \"127.0.0.1:5145\"\naudio = \"null\"\n")
	for _, args := range [][]string{
		{"--headless", "--audio", "null", "--listen", "127.0.0.1:5145"},
		{"--headless", "--config", cfg},
	} {
		cmd := exec.Command(phoneBin, args...)
		cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+filepath.Join(dir, "xdg"))
		cmd.Stdin = strings.NewReader("") // no quit: only a failed start ends it
		var stderr strings.Builder
		cmd.Stderr = &stderr
		done := make(chan error, 1)
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		go func() { done <- cmd.Wait() }()
		select {
		case err = <-done:
		case <-time.After(15 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Fatalf("%v: still running 15 s after start on a busy port (want exit non-zero)", args)
		}
		ee, ok := err.(*exec.ExitError)
		if !ok || ee.ExitCode() == 0 {
			t.Errorf("%v: exit %v, want a non-zero status", args, err)
		}
		if msg := stderr.String(); !strings.Contains(msg, "127.0.0.1:5145") || !strings.Contains(msg, "address already in use") {
			t.Errorf("%v: stderr does not say which address is busy and why:\n%s", args, msg)
		} else {
			t.Logf("%v: exit %v: %s", args, err, strings.TrimSpace(msg))
		}
	}

	// the default 0.0.0.0:5060, busy (held here, or by anything else): a free port and a notice
	if h, err := net.ListenPacket("udp", "0.0.0.0:5060"); err == nil {
		defer h.Close()
	}
	p := startPhone(t, "--audio", "null")
	if ready := p.Events()[0]; ready.Str("event") != "ready" || strings.Contains(ready.Str("listen"), ":5060\"") {
		t.Errorf("the default listen did not move off the busy 5060: %s", ready.Raw)
	}
	if n := p.waitFor(5*time.Second, "notice", "level", "warn"); !strings.Contains(n.Str("message"), "5060 is busy") {
		t.Errorf("notice %s, want one that says 5060 is busy", n.Raw)
	}
}

// TestPlumbOutboundProxyRegister: the registrar is a domain name that resolves nowhere
// (plumb.test) and kamailio, the registrar for that domain, is only reachable as the account's
// outbound_proxy: a 200 proves the REGISTER went to the proxy; kamailio's log shows it came
// from the phone's listening port. An outgoing INVITE takes the same way and digest.
func TestPlumbOutboundProxyRegister(t *testing.T) {
	needTools(t, "kamailio")
	l := lab(t)
	l.startPeer([]string{"KAM_DOMAIN=plumb.test"}, "kamailio.sh")
	cfg := writeFile(t, t.TempDir(), "sipterm.toml", `# e2e: REGISTER through the outbound proxy
audio = "null"

[[accounts]]
name           = "alice"
aor            = "sip:alice@plumb.test"
registrar      = "sip:plumb.test"
outbound_proxy = "sip:127.0.0.1:5060"
password       = "alicepw"
expires        = 60
`)
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5146), "--audio", "null")
	reg := p.waitFor(15*time.Second, "registration", "account", "alice", "state", "registered")
	if reg.Int("code") != 200 {
		t.Errorf("registration code %d, want 200: %s", reg.Int("code"), reg.Raw)
	}
	klog, _ := os.ReadFile(filepath.Join(l.Dir, "kamailio.log"))
	want := "REQ REGISTER sip:plumb.test from sip:alice@plumb.test (127.0.0.1:5146/udp)"
	if !strings.Contains(string(klog), want) {
		t.Errorf("kamailio's log has no %q (REGISTER from the listening port, through the proxy)", want)
	}

	// An INVITE to carol (known to kamailio, not registered) goes through the proxy too: 407,
	// answered by the same digest code as REGISTER, then 480 from the proxy's location lookup.
	p.Mark()
	p.Send("dial carol")
	term := p.waitFor(15*time.Second, "call", "state", "terminated")
	if term.Int("code") != 480 {
		t.Errorf("the call to carol ended with %d, want 480 (authenticated, carol not registered): %s", term.Int("code"), term.Raw)
	}
	klog, _ = os.ReadFile(filepath.Join(l.Dir, "kamailio.log"))
	if want := "REQ INVITE sip:carol@plumb.test from sip:alice@plumb.test (127.0.0.1:5146/udp)"; !strings.Contains(string(klog), want) {
		t.Errorf("kamailio's log has no %q (INVITE from the listening port, through the proxy)", want)
	}
	if !strings.Contains(string(klog), "user carol known but not registered") {
		t.Errorf("kamailio did not get as far as the location lookup (the 407 was not answered?)")
	}
}

// TestPlumbPasswordCmd: password_cmd runs once for the session, however many refreshes; when
// the registrar rejects the cached secret (kamailio restarted with another password) it runs
// once more and the account registers with the new one.
func TestPlumbPasswordCmd(t *testing.T) {
	needTools(t, "kamailio")
	l := lab(t)
	l.startPeer([]string{"KAM_USERS=alice:first-pw"}, "kamailio.sh")
	dir := t.TempDir()
	pwFile := writeFile(t, dir, "pw", "first-pw\n")
	runs := filepath.Join(dir, "runs")
	script := writeFile(t, dir, "pw.sh", fmt.Sprintf("echo run >> %q\ncat %q\n", runs, pwFile))
	cfg := writeFile(t, dir, "sipterm.toml", fmt.Sprintf(`# e2e: password_cmd runs once per session
audio = "null"

[[accounts]]
name         = "alice"
aor          = "sip:alice@127.0.0.1"
registrar    = "sip:127.0.0.1:5060"
password_cmd = "sh %s"
expires      = 10   # kamailio's minimum: a refresh every 5 s
`, script))
	countRuns := func() int {
		b, _ := os.ReadFile(runs)
		return strings.Count(string(b), "run")
	}
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5147), "--audio", "null")
	for i := 0; i < 3; i++ { // the registration and two refreshes
		p.waitFor(20*time.Second, "registration", "account", "alice", "state", "registered")
	}
	if n := countRuns(); n != 1 {
		t.Errorf("password_cmd ran %d times for a registration and two refreshes, want 1", n)
	}

	t.Log("step: the password changes: kamailio restarts with the new one")
	l.stop("kamailio")
	if err := os.WriteFile(pwFile, []byte("second-pw\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	l.startPeer([]string{"KAM_USERS=alice:second-pw"}, "kamailio.sh")
	p.Mark()
	reg := p.waitFor(30*time.Second, "registration", "account", "alice", "state", "registered")
	if reg.Int("code") != 200 {
		t.Errorf("registration code %d, want 200: %s", reg.Int("code"), reg.Raw)
	}
	if n := countRuns(); n != 2 {
		t.Errorf("password_cmd ran %d times in all, want 2 (once more after the rejection)", n)
	}
	p.waitFor(20*time.Second, "registration", "account", "alice", "state", "registered")
	if n := countRuns(); n != 2 {
		t.Errorf("password_cmd ran %d times after one more refresh, want still 2", n)
	}
}

// TestPlumbByeChallenge: a SIPp UAS answers our call, challenges our BYE with 401 and checks
// the BYE sent again (CSeq + 1, Authorization) with verifyauth (user plumb, password byepw,
// fixed in the scenario) before it answers 200.
func TestPlumbByeChallenge(t *testing.T) {
	challengedCall(t, "uas-bye-auth", false)
}

// TestPlumbReinviteChallenge: the same for a re-INVITE (hold): 401, then the re-INVITE with
// credentials is verified, answered 200 (recvonly) and ACKed; the call is held, then our BYE.
func TestPlumbReinviteChallenge(t *testing.T) {
	challengedCall(t, "uas-reinvite-auth", true)
}

// challengedCall dials a SIPp UAS scenario that challenges an in-dialog request, holds the
// call first when hold is set, hangs up, and wants SIPp's call to pass.
func challengedCall(t *testing.T, scenario string, hold bool) {
	t.Helper()
	needTools(t, "sipp")
	l := lab(t)
	uas := l.startPeer([]string{"SIPP_PORT=5148", "COUNT=1"}, "sipp.sh", scenario)
	cfg := writeFile(t, t.TempDir(), "sipterm.toml", `# e2e: a challenged BYE
audio = "null"

[[accounts]]
name     = "plumb"
aor      = "sip:plumb@127.0.0.1"
password = "byepw"
`)
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5149), "--audio", "null")
	p.Send("dial sip:uas@127.0.0.1:5148")
	est := p.waitFor(15*time.Second, "call", "state", "established")
	time.Sleep(500 * time.Millisecond)
	if hold {
		p.Send("hold " + est.Str("id"))
		p.waitFor(15*time.Second, "call", "id", est.Str("id"), "state", "held")
	}
	p.Send("hangup " + est.Str("id"))
	term := p.waitFor(15*time.Second, "call", "id", est.Str("id"), "state", "terminated")
	if term.Int("code") != 200 || strings.Contains(term.Str("reason"), "BYE") {
		t.Errorf("terminated %s, want code 200 and no BYE failure in the reason", term.Raw)
	}
	deadline := time.Now().Add(15 * time.Second)
	for pidAlive(l.Dir, uas.Name) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if scr, err := os.ReadFile(filepath.Join(l.Dir, uas.Name, "screen.log")); err != nil || !successfulOne(string(scr)) {
		t.Errorf("SIPp UAS (%s) did not verify our credentials (err %v):\n%s", scenario, err, scr)
	}
}

// TestPlumbRefusedEvents: an INVITE the phone refuses for what it carries gets a `call` event
// (terminated, direction in) with the code and the true reason: no common codec (SIPp
// uac-bad-sdp-488), a malformed SDP (uac-bad-sdp-garbage-strict), a body that is not SDP (415).
func TestPlumbRefusedEvents(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5144), "--auto-answer", "0s", "--audio", "null")
	for _, tc := range []struct {
		scenario string
		code     int
		reason   string
	}{
		{"uac-bad-sdp-488", 488, "no common audio codec"},
		{"uac-bad-sdp-garbage-strict", 400, "malformed SDP"},
	} {
		p.Mark()
		l.sipp(tc.scenario, phoneAddr(5144), "SIPP_PORT=5148").expectOK(t, 1)
		e := p.waitFor(10*time.Second, "call", "state", "terminated", "direction", "in")
		if e.Int("code") != tc.code || !strings.Contains(e.Str("reason"), tc.reason) {
			t.Errorf("%s: %s, want code %d and a reason with %q", tc.scenario, e.Raw, tc.code, tc.reason)
		}
	}

	p.Mark()
	peer := newUDPPeer(t, 5141)
	body := "hello"
	peer.send(phoneAddr(5144), strings.Join([]string{
		"INVITE sip:sipterm@127.0.0.1:5144 SIP/2.0",
		"Via: SIP/2.0/UDP 127.0.0.1:5141;branch=z9hG4bKplumb415",
		"Max-Forwards: 70",
		"From: <sip:caller@127.0.0.1:5141>;tag=c415",
		"To: <sip:sipterm@127.0.0.1>",
		"Call-ID: plumb-415",
		"CSeq: 1 INVITE",
		"Contact: <sip:caller@127.0.0.1:5141>",
		"Content-Type: text/plain",
		fmt.Sprintf("Content-Length: %d", len(body)),
		"", body}, "\n"))
	peer.recv("SIP/2.0 415", 10*time.Second)
	e := p.waitFor(10*time.Second, "call", "state", "terminated", "direction", "in")
	if e.Int("code") != 415 || !strings.Contains(e.Str("reason"), "not SDP") {
		t.Errorf("415: %s, want code 415 and a reason that says the offer is not SDP", e.Raw)
	}
}
