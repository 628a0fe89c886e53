package main

// The phone against independent SIP stacks: kamailio (registrar + proxy with digest auth) and
// baresip (a softphone), both from .ci/lab. Ports: kamailio 5060, baresip 5062/5064/5066 (ctrl
// 35062/35064/35066), the phone 5079, 5081 and 5085.

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestKamailioRegistrarProxy: the phone registers as alice at kamailio (digest auth), calls bob
// (a registered, auto-answering baresip) through the proxy (407 + auth), is called by bob
// (auto-answer from the account's auto_answer), and registers again by itself after kamailio
// restarts with an empty location table.
func TestKamailioRegistrarProxy(t *testing.T) {
	needTools(t, "kamailio", "baresip", "sox")
	l := lab(t)
	l.startPeer(nil, "kamailio.sh")
	bob := l.startPeer([]string{"REGISTRAR=127.0.0.1:5060", "KAM_USER=bob", "KAM_PASS=bobpw",
		"AUTOANSWER=1", "SINE_FREQ=1000"}, "baresip.sh", "5062")
	bobCtl := portOf(bob.KV["ctrl"])

	cfg := writeFile(t, t.TempDir(), "sipterm.toml", `# e2e: alice at the lab's kamailio
listen = "127.0.0.1:5079"
audio  = "null"

[[accounts]]
name        = "alice"
aor         = "sip:alice@127.0.0.1"
registrar   = "sip:127.0.0.1:5060"
username    = "alice"
password    = "alicepw"
auto_answer = "1s"
expires     = 20   # kamailio's min_expires is 10; short so that a restart is noticed soon
`)
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5079), "--audio", "null")
	reg := p.waitFor(15*time.Second, "registration", "account", "alice", "state", "registered")
	if reg.Int("code") != 200 {
		t.Errorf("registration code %d, want 200: %s", reg.Int("code"), reg.Raw)
	}
	acc := p.query("accounts", "accounts", 5*time.Second)
	if acc.Str("event") != "accounts" || acc.Int("count") != 1 {
		t.Errorf("accounts: %s, want {\"event\":\"accounts\",\"count\":1}", acc.Raw)
	}

	t.Log("step: alice dials bob through the proxy")
	{
		p.Mark()
		p.Send("dial sip:bob@127.0.0.1:5060")
		first := p.waitFor(5*time.Second, "call", "direction", "out")
		id := first.Str("id")
		if s := first.Str("state"); s != "calling" {
			t.Errorf("first event of an outgoing call: state %q, want calling: %s", s, first.Raw)
		}
		p.waitFor(15*time.Second, "call", "id", id, "state", "established")
		if m := p.waitFor(5*time.Second, "media", "id", id); m.Str("codec") != "PCMU" {
			t.Errorf("media codec %q, want PCMU (baresip's first): %s", m.Str("codec"), m.Raw)
		}
		time.Sleep(2 * time.Second) // some RTP both ways
		p.Send("hangup " + id)
		term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
		if term.Int("code") == 603 {
			t.Errorf("terminated with 603: %s", term.Raw)
		}
	}

	t.Log("step: bob calls alice through the proxy, the account auto-answers")
	bobCallsAlice(t, l, p, bobCtl)

	t.Log("step: kamailio restarts (empty location table), alice registers again by herself")
	{
		l.stop("kamailio")
		time.Sleep(time.Second)
		l.startPeer(nil, "kamailio.sh") // empty location table: alice is unknown now
		// Counted from the restart: no binding check runs between refreshes any more (each was
		// a challenged REGISTER every 10 s), so the next refresh (half of expires = 20, i.e.
		// within 10 s) re-creates the binding; 40 s leaves room for a retry after a failure.
		p.Mark()
		reg := p.waitFor(40*time.Second, "registration", "account", "alice", "state", "registered")
		if reg.Int("code") != 200 {
			t.Errorf("registration code %d, want 200: %s", reg.Int("code"), reg.Raw)
		}
		klog, _ := os.ReadFile(filepath.Join(l.Dir, "kamailio.log"))
		if !strings.Contains(string(klog), "REQ REGISTER") || !strings.Contains(string(klog), "alice@") {
			t.Errorf("the restarted kamailio saw no REGISTER from alice")
		}
		// and the registrar really knows alice again: bob reaches her
		bobCallsAlice(t, l, p, bobCtl)
	}
	p.never603()
}

// bobCallsAlice: baresip (bob) dials alice through kamailio; the phone rings, auto-answers,
// bob hangs up.
func bobCallsAlice(t *testing.T, l *Lab, p *Phone, bobCtl string) {
	t.Helper()
	p.Mark()
	res := l.baresipCtlAsync(bobCtl, "dial sip:alice@127.0.0.1:5060", "CALL_ESTABLISHED|CALL_CLOSED", 20*time.Second)
	in := p.waitFor(15*time.Second, "call", "state", "incoming")
	id := in.Str("id")
	if in.Str("direction") != "in" || !strings.Contains(in.Str("remote"), "bob") {
		t.Errorf("incoming call: want direction in from bob: %s", in.Raw)
	}
	est := p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	if gap := est.At.Sub(in.At); gap < 500*time.Millisecond {
		t.Errorf("answered %v after incoming; the account's auto_answer is 1s", gap)
	}
	r := <-res
	if r.RC != 0 || !strings.Contains(r.Out, `"type":"CALL_ESTABLISHED"`) {
		t.Fatalf("bob's dial: rc=%d, no CALL_ESTABLISHED:\n%s", r.RC, r.Out)
	}
	time.Sleep(time.Second)
	out, rc := l.baresipCtl(bobCtl, "hangup", "CALL_CLOSED", 10*time.Second)
	if rc != 0 {
		t.Errorf("bob's hangup: rc=%d %s", rc, out)
	}
	term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if term.Int("code") == 603 {
		t.Errorf("terminated with 603: %s", term.Raw)
	}
}

func portOf(hostport string) string {
	if i := strings.LastIndex(hostport, ":"); i >= 0 {
		return hostport[i+1:]
	}
	return hostport
}

// TestBaresipDirectAudio: the phone (file audio: plays 440 Hz, records) calls baresip directly
// (no registrar; baresip answers at once and sends 1 kHz). After ~4 s the phone hangs up. The
// phone's recording must hold ~1 kHz and baresip's ~440 Hz: audio crossed both ways.
func TestBaresipDirectAudio(t *testing.T) {
	needTools(t, "baresip", "sox")
	l := lab(t)
	peer := l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=1000"}, "baresip.sh", "5064")
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone440.wav")
	makeTone(t, tone, 440, 10)
	rec := filepath.Join(dir, "rec.wav")

	p := startPhone(t, "--listen", phoneAddr(5081), "--audio", "file", "--play", tone, "--record", rec)
	p.Send("dial sip:baresip@127.0.0.1:5064")
	est := p.waitFor(15*time.Second, "call", "state", "established")
	id := est.Str("id")
	if m := p.waitFor(5*time.Second, "media", "id", id); m.Str("codec") != "PCMU" {
		t.Errorf("media codec %q, want PCMU: %s", m.Str("codec"), m.Raw)
	}
	time.Sleep(4 * time.Second) // the call's length: ~4 s of audio each way
	p.Send("hangup " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	p.stop() // the recording is surely complete once the phone has exited

	if out, ok := l.wavcheckTrimmed(rec, 1000); !ok {
		t.Errorf("the phone's recording does not hold baresip's 1 kHz tone: %s", out)
	} else {
		t.Logf("phone rec: %s", out)
	}

	// baresip writes its WAV header when the call has ended: poll (bounded)
	var out string
	ok := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(peer.KV["rec"], "dump-*-dec.wav"))
		sort.Strings(files)
		if len(files) == 0 {
			out = "no dump-*-dec.wav in " + peer.KV["rec"]
			continue
		}
		if out, ok = l.wavcheck(files[len(files)-1], 440); ok {
			break
		}
	}
	if !ok {
		t.Errorf("baresip's recording does not hold the phone's 440 Hz tone: %s", out)
	} else {
		t.Logf("baresip rec: %s", out)
	}
}

// TestBaresipHoldResumeDTMF: the phone calls baresip (direct), sends DTMF (RFC 4733), puts the
// call on hold and resumes it, and hangs up. baresip must report the digits and the call
// must go established -> held -> established -> terminated.
func TestBaresipHoldResumeDTMF(t *testing.T) {
	needTools(t, "baresip")
	l := lab(t)
	peer := l.startPeer([]string{"AUTOANSWER=1"}, "baresip.sh", "5066")
	ctl := portOf(peer.KV["ctrl"])
	// stream baresip's events until the call closes
	events := l.baresipCtlAsync(ctl, "listcalls", "CALL_CLOSED", 40*time.Second)
	time.Sleep(300 * time.Millisecond)

	p := startPhone(t, "--listen", phoneAddr(5085), "--audio", "null")
	p.Send("dial sip:baresip@127.0.0.1:5066")
	id := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	time.Sleep(time.Second)
	p.Send("dtmf " + id + " 159")
	// 3 digits take well under a second; wait (bounded) until baresip has the last one before
	// the hold, which would pause the RTP stream that carries them
	if err := waitFileContains(peer.KV["log"], "received event: '9' (end=1)", 10*time.Second); err != nil {
		t.Errorf("baresip: the DTMF digits did not all arrive within 10 s: %v", err)
	}
	p.Send("hold " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "held")
	time.Sleep(time.Second)
	p.Send("resume " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	time.Sleep(time.Second)
	p.Send("hangup " + id)
	term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if term.Int("code") == 603 {
		t.Errorf("terminated with 603: %s", term.Raw)
	}
	p.noEvent("error", ev("error"))
	checkMediaDirections(t, p, id, []string{"sendrecv", "sendonly|inactive", "sendrecv"})

	r := <-events
	var digits []string
	for _, m := range regexp.MustCompile(`"type":"CALL_DTMF_START"[^}]*"param":"([^"]*)"`).FindAllStringSubmatch(r.Out, -1) {
		digits = append(digits, m[1])
	}
	if strings.Join(digits, "") != "159" {
		t.Errorf("baresip received DTMF %q, want 1 5 9; its events:\n%s", digits, r.Out)
	}
	if !strings.Contains(r.Out, `"type":"CALL_CLOSED"`) {
		t.Errorf("baresip did not see the call close:\n%s", r.Out)
	}
}
