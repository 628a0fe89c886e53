package main

// Fault drills (issue 10): what a person expects when the world breaks mid-call, written as
// the tests' assertions. Ports 5370-5389: the phone 5370, 5376, 5380, 5384; baresip 5372,
// 5378, 5382 (ctrl +30000); kamailio 5374 (UDP and TCP).
// The long forms (registrar gone the full 2 minutes) run from `make soak` (DRILL_LONG=1).

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// killPeer ends a lab peer with SIGKILL (no BYE, no RTCP BYE: it vanishes) by its pidfile.
func killPeer(t *testing.T, l *Lab, name string) {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(l.Dir, name+".pid"))
	if err != nil {
		t.Fatalf("pidfile of %s: %v", name, err)
	}
	pid, err := strconv.Atoi(strings.TrimSpace(string(b)))
	if err != nil {
		t.Fatalf("pidfile of %s: %v", name, err)
	}
	if err := syscall.Kill(pid, syscall.SIGKILL); err != nil {
		t.Fatalf("kill -9 %s (pid %d): %v", name, pid, err)
	}
	t.Logf("drill: killed %s (pid %d) with SIGKILL", name, pid)
}

// TestDrillPeerVanishes: baresip is killed -9 in the middle of a call. The phone notices that
// no RTP arrives for rtp_timeout (3 s here), says so, sends BYE and ends the call with the
// reason "RTP timeout" once the BYE has had 4 s to be answered (not a whole transaction
// timeout: the peer is gone). Before that, a hold longer than rtp_timeout must not end the call.
func TestDrillPeerVanishes(t *testing.T) {
	needTools(t, "baresip")
	l := lab(t)
	l.startPeer([]string{"AUTOANSWER=1", "RECORD=0"}, "baresip.sh", "5372")
	cfg := writeFile(t, t.TempDir(), "config.toml", "rtp_timeout = \"3s\"\n")
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5370), "--audio", "null")

	p.Send("dial sip:baresip@127.0.0.1:5372")
	id := p.waitFor(15*time.Second, "call", "state", "established").Str("id")

	t.Log("step: on hold for longer than rtp_timeout: no RTP is expected, the call stays")
	p.Send("hold " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "held")
	time.Sleep(4500 * time.Millisecond)
	if e, ended := p.find(ev("call", "id", id, "state", "terminated")); ended {
		t.Fatalf("a call on hold was ended: %s", e.Raw)
	}
	p.Send("resume " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	time.Sleep(time.Second)

	t.Log("step: the peer vanishes (kill -9)")
	killPeer(t, l, "baresip-5372")
	gone := time.Now()
	term := p.waitFor(15*time.Second, "call", "id", id, "state", "terminated")
	// the BYE to the vanished peer goes unanswered: the reason says so too
	if r := term.Str("reason"); r != "RTP timeout (BYE: no answer in 4s)" {
		t.Errorf("the call ended for another reason than RTP timeout with an unanswered BYE: %s", term.Raw)
	}
	if after := term.At.Sub(gone); after < 3*time.Second {
		t.Errorf("the call ended %v after the peer vanished, before rtp_timeout (3 s)", after)
	}
	// the log says why, in words a person reads
	if err := waitFileContains(p.errLog, "no RTP received for 3s", 5*time.Second); err != nil {
		t.Errorf("the phone's log does not say why the call ended: %v", err)
	}
	// the phone said goodbye to the (dead) peer: a BYE left for it
	if err := waitFileContains(p.trace, "BYE sip:", 5*time.Second); err != nil {
		t.Errorf("no BYE in the SIP trace: %v", err)
	}
	p.waitCalls(0, 5*time.Second)
}

// TestDrillRegistrarGone: kamailio (registrar and record-routing proxy) stops while the phone is
// registered and has a call up through it. The registration shows failing with the reason and
// is retried with backoff (a handful of REGISTERs, not a hot loop); the call survives (its media
// is end to end) and, once kamailio is back, is hung up through it; the phone registers again
// within its retry interval and a new call through kamailio reaches it.
// Short form: gone 10 s, over TCP (a refused connection fails at once). DRILL_LONG=1 (make
// soak): gone 2 minutes, over UDP (each REGISTER times out after 32 s).
func TestDrillRegistrarGone(t *testing.T) {
	needTools(t, "kamailio", "baresip")
	gone, transport := 10*time.Second, "tcp"
	if os.Getenv("DRILL_LONG") == "1" {
		gone, transport = 2*time.Minute, "udp"
	}
	l := lab(t)
	l.startPeer(nil, "kamailio.sh", "5374")
	bob := l.startPeer([]string{"REGISTRAR=127.0.0.1:5374", "KAM_USER=bob", "KAM_PASS=bobpw",
		"AUTOANSWER=1", "RECORD=0", "REGINT=600"}, "baresip.sh", "5378")
	bobCtl := portOf(bob.KV["ctrl"])
	cfg := writeFile(t, t.TempDir(), "sipterm.toml", `# drill: alice at kamailio, which goes away
[[accounts]]
name      = "alice"
aor       = "sip:alice@127.0.0.1"
registrar = "sip:127.0.0.1:5374"
transport = "`+transport+`"
username  = "alice"
password  = "alicepw"
expires   = 10   # kamailio's min_expires: a refresh every 5 s
auto_answer = "0s"
`)
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5376), "--audio", "null")
	p.waitFor(15*time.Second, "registration", "account", "alice", "state", "registered")

	t.Log("step: a call to bob through kamailio")
	p.Send("dial sip:bob@127.0.0.1:5374")
	id := p.waitFor(15*time.Second, "call", "direction", "out").Str("id")
	p.waitFor(15*time.Second, "call", "id", id, "state", "established")

	t.Logf("step: kamailio gone for %v", gone)
	mark := p.Mark()
	l.stop("kamailio")
	stopped := time.Now()
	failed := p.waitFor(gone+40*time.Second, "registration", "account", "alice", "state", "failed")
	if failed.Str("reason") == "" && failed.Str("last_error") == "" {
		t.Errorf("a failed registration without a reason: %s", failed.Raw)
	}
	t.Logf("registration failing %v after kamailio stopped: %s", time.Since(stopped).Round(time.Millisecond), failed.Raw)
	time.Sleep(time.Until(stopped.Add(gone)))
	attempts := 0
	for _, e := range p.Events()[mark:] {
		if e.Str("event") == "registration" && e.Str("state") == "failed" {
			attempts++
		}
	}
	// backoff 2, 4, 8 ... 60 s after the first failure: log2(gone/2 s)+2 attempts at most
	if max := 2 + bitsOf(int(gone/(2*time.Second))); attempts < 1 || attempts > max {
		t.Errorf("%d failed REGISTER attempts in %v (want 1..%d: backoff, not a hot loop):\n%s", attempts, gone, max, p.dumpEvents(30))
	}
	if e, ended := p.find(ev("call", "id", id, "state", "terminated")); ended {
		t.Fatalf("the call did not survive the registrar's absence: %s", e.Raw)
	}

	t.Log("step: kamailio back (empty location table)")
	p.Mark()
	l.startPeer(nil, "kamailio.sh", "5374")
	back := time.Now()
	// the next retry is at most the backoff reached so far (60 s cap), plus one REGISTER
	p.waitFor(75*time.Second, "registration", "account", "alice", "state", "registered")
	t.Logf("registered again %v after kamailio came back", time.Since(back).Round(time.Millisecond))
	if e, ended := p.find(ev("call", "id", id, "state", "terminated")); ended {
		t.Fatalf("the call did not survive the registrar's return: %s", e.Raw)
	}

	t.Log("step: the surviving call is hung up through the restarted proxy; bob sees it end")
	bobClosed := l.baresipCtlAsync(bobCtl, "listcalls", "CALL_CLOSED", 15*time.Second)
	time.Sleep(time.Second) // the ctrl connection is listening before the BYE leaves
	p.Send("hangup " + id)
	term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if term.Int("code") >= 400 {
		t.Errorf("the surviving call's hangup failed: %s", term.Raw)
	}
	if r := <-bobClosed; r.RC != 0 {
		t.Errorf("bob never saw the call close (our BYE did not cross the restarted proxy): rc=%d %s", r.RC, oneLine(r.Out, 300))
	}

	t.Log("step: a new call through kamailio: bob calls alice, known to the restarted registrar again")
	p.Mark()
	res := l.baresipCtlAsync(bobCtl, "dial sip:alice@127.0.0.1:5374", "CALL_ESTABLISHED|CALL_CLOSED", 20*time.Second)
	in := p.waitFor(15*time.Second, "call", "state", "incoming")
	p.waitFor(10*time.Second, "call", "id", in.Str("id"), "state", "established")
	if r := <-res; r.RC != 0 || !strings.Contains(r.Out, `"type":"CALL_ESTABLISHED"`) {
		t.Fatalf("bob's call to alice through the restarted kamailio: rc=%d %s", r.RC, oneLine(r.Out, 400))
	}
	if out, rc := l.baresipCtl(bobCtl, "hangup", "CALL_CLOSED", 10*time.Second); rc != 0 {
		t.Errorf("bob's hangup: rc=%d %s", rc, out)
	}
	p.waitFor(10*time.Second, "call", "id", in.Str("id"), "state", "terminated")
	p.never603()
}

// bitsOf is the number of bits of n (0 for 0): how many doublings reach n.
func bitsOf(n int) int {
	b := 0
	for ; n > 0; n >>= 1 {
		b++
	}
	return b
}

// resetTCP destroys every established TCP connection to or from port (ss -K: the kernel's
// sock_diag destroy, which sends the peer a RST), as a NAT box or a crashing proxy would.
// It returns how many connections it killed.
func resetTCP(t *testing.T, port int) int {
	t.Helper()
	p := strconv.Itoa(port)
	out, err := exec.Command("ss", "-K", "-H", "-t", "state", "established",
		"( dport = :"+p+" or sport = :"+p+" )").CombinedOutput()
	if err != nil {
		t.Fatalf("ss -K (needs CONFIG_INET_DIAG_DESTROY): %v\n%s", err, out)
	}
	n := 0
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		if strings.TrimSpace(line) != "" {
			n++
		}
	}
	t.Logf("drill: reset %d TCP connection(s) of port %d:\n%s", n, port, out)
	return n
}

// TestDrillTCPReset: a call over TCP whose connection is reset mid-call (both ends get a RST).
// The call stays up (its media is UDP), and hanging up still reaches the peer: our BYE opens
// a new connection (RFC 3261 18.1.1) and baresip sees the call close.
func TestDrillTCPReset(t *testing.T) {
	needTools(t, "baresip", "ss")
	l := lab(t)
	peer := l.startPeer([]string{"AUTOANSWER=1", "RECORD=0"}, "baresip.sh", "5382")
	ctl := portOf(peer.KV["ctrl"])
	p := startPhone(t, "--listen", phoneAddr(5380), "--audio", "null")

	p.Send("dial sip:baresip@127.0.0.1:5382;transport=tcp")
	id := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	time.Sleep(time.Second)

	t.Log("step: the call's TCP connection is reset")
	if n := resetTCP(t, 5382); n == 0 {
		t.Fatalf("no established TCP connection to baresip: the call did not go over TCP")
	}
	time.Sleep(2 * time.Second)
	if e, ended := p.find(ev("call", "id", id, "state", "terminated")); ended {
		t.Fatalf("a reset signalling connection ended the call (its media is fine): %s", e.Raw)
	}

	t.Log("step: hang up; the BYE goes over a new connection and baresip gets it")
	closed := l.baresipCtlAsync(ctl, "listcalls", "CALL_CLOSED", 15*time.Second)
	time.Sleep(time.Second) // the ctrl connection is listening before the BYE leaves
	p.Send("hangup " + id)
	term := p.waitFor(15*time.Second, "call", "id", id, "state", "terminated")
	if r := <-closed; r.RC != 0 || !strings.Contains(r.Out, "CALL_CLOSED") {
		t.Errorf("baresip never saw the call close (the BYE did not reach it): rc=%d %s\nphone: %s",
			r.RC, oneLine(r.Out, 400), term.Raw)
	}
	p.waitCalls(0, 5*time.Second)
}

// TestDrillSoundServerRestart: PulseAudio is killed -9 in the middle of a call on PortAudio and
// started again. The call stays up and RTP keeps flowing (silence), a notice says the sound
// device is lost; when the server is back the phone reopens the device by itself, says so,
// and baresip's 1 kHz plays into the new server's speaker.
func TestDrillSoundServerRestart(t *testing.T) { soundServerRestart(t, "portaudio", 5386, 5384) }

// soundServerRestart is TestDrillSoundServerRestart for the audio kind given, with baresip
// on peerPort and the phone on phonePort.
func soundServerRestart(t *testing.T, kind string, peerPort, phonePort int) {
	needTools(t, "baresip", "sox", "dumpcap")
	l := lab(t)
	env := startPulseLab(t, l)
	l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=1000", "RECORD=0"}, "baresip.sh", strconv.Itoa(peerPort))
	p := startPhoneEnv(t, env, "--listen", phoneAddr(phonePort), "--audio", kind)
	p.Send("dial sip:baresip@127.0.0.1:" + strconv.Itoa(peerPort))
	id := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	time.Sleep(2 * time.Second)

	t.Log("step: the sound server is killed")
	killPeer(t, l, filepath.Join("pulse", "pulseaudio"))
	lost := p.waitEvent(func(e Event) bool {
		return e.Str("event") == "notice" && strings.Contains(e.Str("message"), "sound device lost")
	}, 15*time.Second)
	t.Logf("notice: %s", lost.Raw)
	// RTP goes on without the device: count what leaves the call's RTP port for 2 s
	local := p.waitFor(5*time.Second, "media", "id", id).Str("local")
	if n := rtpSent(t, portOf(local), 2); n < 70 { // 100 at 20 ms
		t.Errorf("RTP stopped without a sound device: %d packets left %s in 2 s", n, local)
	}
	if e, ended := p.find(ev("call", "id", id, "state", "terminated")); ended {
		t.Fatalf("the call ended with the sound server: %s", e.Raw)
	}

	t.Log("step: the sound server is back; the phone reopens the device")
	p.Mark()
	restartPulse(t, l)
	dir := testDir(t, "audio")
	speakerRaw := filepath.Join(dir, "speaker.raw")
	stopRec := bg(t, env, "exec timeout 30 parec --latency-msec=20 -d lab_speaker.monitor --format=s16le --rate=8000 --channels=1 --raw > "+speakerRaw)
	back := p.waitEvent(func(e Event) bool {
		return e.Str("event") == "notice" && strings.Contains(e.Str("message"), "sound device back")
	}, 15*time.Second)
	t.Logf("notice: %s", back.Raw)
	// parec records from the moment it is connected: give the new server's speaker 3 s from then
	for deadline := time.Now().Add(15 * time.Second); ; time.Sleep(100 * time.Millisecond) {
		if fi, err := os.Stat(speakerRaw); err == nil && fi.Size() > 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the speaker recorder never started on the restarted server")
		}
	}
	time.Sleep(3 * time.Second)
	p.Send("hangup " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	time.Sleep(500 * time.Millisecond)
	stopRec()
	speaker := filepath.Join(dir, "speaker.wav")
	if out, err := exec.Command("sox", "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1", speakerRaw, speaker).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	if out, ok := l.wavcheckTrimmed(speaker, 1000); !ok {
		t.Errorf("the restarted server's speaker does not hold baresip's 1 kHz: %s", out)
	}
}

// rtpSent counts the UDP packets that leave port on loopback during secs seconds (dumpcap:
// it starts in a moment where tshark takes seconds on a loaded machine).
func rtpSent(t *testing.T, port string, secs int) int {
	t.Helper()
	pcap := filepath.Join(t.TempDir(), "rtp.pcap")
	out, err := exec.Command("timeout", strconv.Itoa(secs+20), "dumpcap", "-i", "lo", "-q",
		"-f", "udp and src port "+port, "-a", "duration:"+strconv.Itoa(secs), "-w", pcap).CombinedOutput()
	if err != nil {
		t.Fatalf("dumpcap on lo: %v\n%s", err, out)
	}
	m := regexp.MustCompile(`Packets captured: (\d+)`).FindSubmatch(out)
	if m == nil {
		t.Fatalf("dumpcap said no packet count:\n%s", out)
	}
	n, _ := strconv.Atoi(string(m[1]))
	return n
}

// restartPulse starts the lab's PulseAudio again in the same LAB_DIR (same socket and sinks).
func restartPulse(t *testing.T, l *Lab) {
	t.Helper()
	cmd := exec.Command("bash", filepath.Join(labScripts, "audio-server.sh"), "start")
	cmd.Env = append(os.Environ(), "LAB_DIR="+l.Dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("restarting PulseAudio: %v\n%s", err, out)
	}
}
