package main

// SIP extensions against SIPp (issue 8, items 5-7): 100rel/PRACK both ways, Require -> 420,
// session timers, UPDATE, re-INVITE without SDP, Allow/405/501. Phone ports 5180, 5182, ...;
// SIPp 5181, 5183, ... (media 10910 + ...). None run in parallel (fixed ports).

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// TestSipextRequire420: a Require we do not implement gets 420 naming it (only it), after
// screening (a stranger's INVITE gets 404 whatever it requires); SUBSCRIBE 405 with Allow,
// an unknown method 501.
func TestSipextRequire420(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5180), "--audio", "null")
	r := l.sipp("uac-require-420", phoneAddr(5180), "SIPP_PORT=5181")
	r.expectOK(t, 1)
	for _, m := range r.SipMessages() {
		if !m.Sent && m.Code() == 420 {
			if u := m.Headers["unsupported"]; strings.Contains(u, "100rel") {
				t.Errorf("420 names 100rel, which we implement: Unsupported: %s", u)
			}
		}
	}
	term := p.waitFor(5*time.Second, "call", "code", "420")
	if !strings.Contains(term.Str("reason"), "foo") {
		t.Errorf("refused call's reason does not name foo: %s", term.Raw)
	}
	p.noEvent("a ringing call", ev("call", "state", "incoming"))
}

// TestSipextPrackAsCallee: SIPp calls with Require: 100rel; the phone (answering at once)
// sends a reliable 180 (RSeq, Require: 100rel) and holds its 200 until SIPp's PRACK, sent 1 s
// later, has been answered.
func TestSipextPrackAsCallee(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5182), "--auto-answer", "0s", "--audio", "null")
	r := l.sipp("uac-prack", phoneAddr(5182), "SIPP_PORT=5183", "DURATION=1")
	r.expectOK(t, 1)
	prack, ok200 := -1, -1
	for i, m := range r.SipMessages() {
		switch {
		case m.Sent && strings.HasPrefix(m.First, "PRACK ") && prack < 0:
			prack = i
		case !m.Sent && m.Code() == 200 && strings.HasSuffix(m.Headers["cseq"], "INVITE") && ok200 < 0:
			ok200 = i
		}
	}
	if prack < 0 || ok200 < 0 || ok200 < prack {
		t.Errorf("SIPp's PRACK at message %d, the 200 to the INVITE at %d: want the 200 after the PRACK", prack, ok200)
	}
	_, est, _ := sippCallEvents(t, p)
	p.waitFor(5*time.Second, "media", "id", est.Str("id"))
	p.never603()
}

// rtpCounter counts UDP packets arriving at a loopback port (where an SDP told the phone to
// send RTP).
type rtpCounter struct {
	conn *net.UDPConn
	n    atomic.Int64
}

func listenRTP(t *testing.T, port int) *rtpCounter {
	t.Helper()
	conn, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: port})
	if err != nil {
		t.Fatalf("RTP listener on %d: %v", port, err)
	}
	rc := &rtpCounter{conn: conn}
	t.Cleanup(func() { conn.Close() })
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, _, err := conn.ReadFromUDP(buf); err != nil {
				return
			}
			rc.n.Add(1)
		}
	}()
	return rc
}

// waitPackets waits until at least n packets have arrived.
func (rc *rtpCounter) waitPackets(t *testing.T, n int64, timeout time.Duration, what string) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		if rc.n.Load() >= n {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Errorf("%s: %d RTP packets at %s within %v, want %d", what, rc.n.Load(), rc.conn.LocalAddr(), timeout, n)
}

// TestSipextPrackAsCaller: the phone calls a SIPp UAS that sends a reliable 180 and a
// reliable 183 with the answer: the phone PRACKs both (RAck), takes the UPDATEs of the early
// dialog (without SDP, then with a new RTP port: RTP goes there), accepts a 200 without SDP
// (the answer came in the 183), ACKs with the INVITE's CSeq and hangs up with a later CSeq.
func TestSipextPrackAsCaller(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	rtp := listenRTP(t, 16184)
	uas := l.startPeer([]string{"SIPP_PORT=5185", "COUNT=1", "TIMEOUT=40"}, "sipp.sh", "uas-prack", "-key", "xport", "16184")
	p := startPhone(t, "--listen", phoneAddr(5184), "--audio", "null")
	p.Send("dial " + uas.URI)
	est := p.waitFor(15*time.Second, "call", "state", "established")
	id := est.Str("id")
	p.waitFor(5*time.Second, "call", "id", id, "state", "early")
	rtp.waitPackets(t, 10, 5*time.Second, "after the early UPDATE")
	p.Send("hangup " + id)
	term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if strings.Contains(term.Str("reason"), "BYE:") {
		t.Errorf("our BYE failed: %s", term.Raw)
	}
	waitSippDone(t, l, uas)
	p.never603()
}

// waitSippDone waits for a background SIPp (uas*) to exit and checks it counted a success.
func waitSippDone(t *testing.T, l *Lab, peer Peer) {
	t.Helper()
	screen := filepath.Join(peer.KV["dir"], "screen.log")
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		if b, err := os.ReadFile(peer.KV["log"]); err == nil && strings.Contains(string(b), "Test Terminated") {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	b, _ := os.ReadFile(screen)
	s := string(b)
	if !regexp.MustCompile(`Successful call\s*\|\s*\d+\s*\|\s*1\b`).MatchString(s) {
		errs, _ := os.ReadFile(filepath.Join(peer.KV["dir"], "errors.log"))
		t.Errorf("SIPp %s did not succeed:\n%s\nerrors.log:\n%s", peer.Name, tail(s, 25), tail(string(errs), 30))
	}
}

// TestSipextUpdateReinviteNoSDP: mid-call UPDATE with a new offer moves RTP to its port; an
// UPDATE without SDP gets a bare 200; a re-INVITE without SDP gets our offer in the 200 and
// RTP follows the answer in the ACK.
func TestSipextUpdateReinviteNoSDP(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	port1, port2 := listenRTP(t, 16186), listenRTP(t, 16188)
	p := startPhone(t, "--listen", phoneAddr(5186), "--auto-answer", "0s", "--audio", "null")
	res := l.sippAsync("uac-update-reinvite", phoneAddr(5186), "SIPP_PORT=5187", "DURATION=2",
		"SIPP_KEYS=xport1=16186 xport2=16188")
	in := p.waitFor(10*time.Second, "call", "state", "incoming")
	port1.waitPackets(t, 10, 8*time.Second, "after the UPDATE with SDP")
	port2.waitPackets(t, 10, 10*time.Second, "after the ACK's answer to our offer")
	r := <-res
	r.expectOK(t, 1)
	term := p.waitFor(10*time.Second, "call", "id", in.Str("id"), "state", "terminated")
	if term.Str("reason") != "remote BYE" {
		t.Errorf("call ended with %q, want remote BYE: %s", term.Str("reason"), term.Raw)
	}
	var remotes []string
	for _, e := range p.Events() {
		if e.Str("event") == "media" && e.Str("id") == in.Str("id") {
			remotes = append(remotes, e.Str("remote"))
		}
	}
	if len(remotes) < 3 || !strings.HasSuffix(remotes[len(remotes)-2], ":16186") || !strings.HasSuffix(remotes[len(remotes)-1], ":16188") {
		t.Errorf("media remotes %v: want ... :16186 (UPDATE), :16188 (ACK)", remotes)
	}
	p.never603()
}

// timerPhone starts a phone whose session timer is short enough for a test: 6 s asked, Min-SE
// 4 s (below RFC 4028's 90 s floor, which only the test-only SIPTERM_TEST_MIN_SE lowers).
func timerPhone(t *testing.T, port int, args ...string) *Phone {
	t.Helper()
	cfg := writeFile(t, t.TempDir(), "sipterm.toml", `# e2e: short session timers
[[accounts]]
name = "local"
aor  = "sip:sipterm@127.0.0.1"
session_timer  = "6s"
session_min_se = "4s"
`)
	return startPhoneEnv(t, []string{"SIPTERM_TEST_MIN_SE=2"},
		append([]string{"--config", cfg, "--listen", phoneAddr(port), "--audio", "null"}, args...)...)
}

// TestSipextSessionRefresher: SIPp asks the phone (callee) to refresh a 6 s session: an UPDATE
// with Session-Expires ...;refresher=uac arrives about 3 s after the ACK (SIPp checks it).
func TestSipextSessionRefresher(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := timerPhone(t, 5188, "--auto-answer", "0s")
	r := l.sipp("uac-timer-refresh", phoneAddr(5188), "SIPP_PORT=5189", "DURATION=1", "SIPP_KEYS=se=6")
	r.expectOK(t, 1)
	_, _, term := sippCallEvents(t, p)
	if term.Str("reason") != "remote BYE" {
		t.Errorf("call ended with %q, want remote BYE (the refresh kept it up): %s", term.Str("reason"), term.Raw)
	}
	p.never603()
}

// TestSipextSessionExpires: a too short Session-Expires gets 422 with our Min-SE; the retried
// call has SIPp as refresher, SIPp never refreshes, and the phone ends the call with BYE and
// reason "session expired" before the 6 s are over.
func TestSipextSessionExpires(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := timerPhone(t, 5188, "--auto-answer", "0s")
	r := l.sipp("uac-timer-expire", phoneAddr(5188), "SIPP_PORT=5189", "SIPP_KEYS=se=6")
	r.expectOK(t, 1)
	refused := p.waitFor(5*time.Second, "call", "code", "422")
	if !strings.Contains(refused.Str("reason"), "Min-SE") {
		t.Errorf("422's reason does not say why: %s", refused.Raw)
	}
	est := p.waitFor(5*time.Second, "call", "state", "established")
	term := p.waitFor(10*time.Second, "call", "id", est.Str("id"), "state", "terminated")
	if term.Str("reason") != "session expired" {
		t.Errorf("call ended with %q, want session expired: %s", term.Str("reason"), term.Raw)
	}
	if d := term.At.Sub(est.At); d > 6*time.Second {
		t.Errorf("BYE %v after the answer: the 6 s session was over before it", d)
	}
	p.never603()
}

// TestSipextSessionTimerCaller: the phone calls asking for 6 s; SIPp answers 422 Min-SE: 8,
// the phone retries with 8, SIPp makes it the refresher without UPDATE in its Allow: a
// re-INVITE refresh (with an offer) arrives, then the phone's BYE ends the call.
func TestSipextSessionTimerCaller(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	uas := l.startPeer([]string{"SIPP_PORT=5189", "COUNT=1", "TIMEOUT=40", "SIPP_KEYS=minse=8"}, "sipp.sh", "uas-timer-422")
	p := timerPhone(t, 5188)
	p.Send("dial " + uas.URI)
	est := p.waitFor(15*time.Second, "call", "state", "established")
	// the refresh re-INVITE (CSeq 3: after the INVITEs 1 and 2) comes 4 s after the answer
	msgs := filepath.Join(uas.KV["dir"], "messages.log")
	if err := waitFileContains(msgs, "CSeq: 3 ACK", 10*time.Second); err != nil {
		t.Fatalf("no refresh re-INVITE answered and ACKed: %v", err)
	}
	p.Send("hangup " + est.Str("id"))
	p.waitFor(10*time.Second, "call", "id", est.Str("id"), "state", "terminated")
	waitSippDone(t, l, uas)
	var invites []string
	for _, m := range (SippResult{Messages: filepath.Join(uas.KV["dir"], "messages.log")}).SipMessages() {
		if !m.Sent && strings.HasPrefix(m.First, "INVITE ") {
			invites = append(invites, m.Headers["session-expires"])
		}
	}
	if len(invites) != 3 || invites[0] != "6" || !strings.HasPrefix(invites[1], "8") || invites[2] != "8;refresher=uac" {
		t.Errorf("Session-Expires of the phone's INVITEs %q: want 6, 8 (after the 422), 8;refresher=uac (refresh)", invites)
	}
	p.never603()
}

// TestSipextPrackNeverComes: the phone answers at once a caller that requires 100rel but never
// PRACKs: no 200 goes out, the reliable 180 is retransmitted (T1, doubling), and a hangup
// meanwhile rejects the call (486) instead of waiting out the 32 s of retransmissions.
func TestSipextPrackNeverComes(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5180), "--auto-answer", "0s", "--audio", "null")
	res := l.sippAsync("uac-prack-none", phoneAddr(5180), "SIPP_PORT=5181")
	in := p.waitFor(10*time.Second, "call", "state", "incoming")
	// the 180 is resent 0.5 s after the first: wait for that resend in the trace, then hang up
	if err := waitFileContains(p.trace, "180 Ringing", 5*time.Second); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		if b, _ := os.ReadFile(p.trace); strings.Count(string(b), "SIP/2.0 180 Ringing") >= 2 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	p.Send("hangup " + in.Str("id"))
	r := <-res
	r.expectOK(t, 1)
	r.never(t, 200)
	if n := countOf(r.Responses(), 180); n < 2 {
		t.Errorf("SIPp saw %d 180s, want the reliable 180 retransmitted: %v", n, r.Responses())
	}
	term := p.waitFor(5*time.Second, "call", "id", in.Str("id"), "state", "terminated")
	if term.Int("code") != 486 {
		t.Errorf("terminated with code %d, want 486: %s", term.Int("code"), term.Raw)
	}
	p.noEvent("an established call", ev("call", "state", "established"))
}
