package main

import (
	"encoding/binary"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// SRTP e2e tests use SIP ports 5120-5129 and the phone's RTP in srtpRTPLo..srtpRTPHi, so that a
// capture can tell the phone's media from baresip's.
const (
	srtpRTPLo = 12000
	srtpRTPHi = 12099
)

// srtpConfig is a phone config with one direct-IP account and the given media_encryption.
func srtpConfig(t *testing.T, port int, enc string) string {
	return writeFile(t, t.TempDir(), "sipterm.toml", fmt.Sprintf(`# e2e: SRTP
listen    = "127.0.0.1:%d"
rtp_ports = "%d-%d"

[[accounts]]
name = "local"
aor  = "sip:sipterm@127.0.0.1"
media_encryption = %q
`, port, srtpRTPLo, srtpRTPHi, enc))
}

// waitBaresipRec waits (bounded) for baresip's recording of the call and checks it holds hz.
func waitBaresipRec(t *testing.T, l *Lab, peer Peer, hz int) {
	t.Helper()
	var out string
	ok := false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(peer.KV["rec"], "dump-*-dec.wav"))
		sort.Strings(files)
		if len(files) == 0 {
			out = "no dump-*-dec.wav in " + peer.KV["rec"]
			continue
		}
		if out, ok = l.wavcheck(files[len(files)-1], hz); ok {
			break
		}
	}
	if !ok {
		t.Errorf("baresip's recording does not hold the phone's %d Hz tone: %s", hz, out)
	} else {
		t.Logf("baresip rec: %s", out)
	}
}

// checkEncryptedMedia checks a capture of the phone's RTP/RTCP ports: the RTP both ways is
// SRTP (PCMU's 160 bytes plus a 10-byte auth tag, a payload that looks random, not a tone) and
// the phone's RTCP is SRTCP (E flag and index before the tag).
func checkEncryptedMedia(t *testing.T, pkts []capturedUDP) {
	t.Helper()
	var out, in [][]byte
	srtcp, plainRTCP := 0, 0
	for _, p := range pkts {
		fromPhone := p.src >= srtpRTPLo && p.src <= srtpRTPHi
		port := p.dst
		if fromPhone {
			port = p.src
		}
		b := p.payload
		if port%2 == 1 { // RTCP
			if fromPhone && len(b) >= 8+14 {
				if binary.BigEndian.Uint32(b[len(b)-14:])>>31 == 1 {
					srtcp++
				} else {
					plainRTCP++
				}
			}
			continue
		}
		if len(b) < 12 || b[0]>>6 != 2 || b[1]&0x7F != 0 { // PCMU packets only
			continue
		}
		if len(b) != 12+160+10 {
			t.Errorf("RTP packet of %d bytes (%d -> %d), want 182 (12 header + 160 PCMU + 10 SRTP tag)", len(b), p.src, p.dst)
			return
		}
		if fromPhone {
			out = append(out, b[12:172])
		} else {
			in = append(in, b[12:172])
		}
	}
	if len(out) < 50 || len(in) < 50 {
		t.Fatalf("capture holds %d RTP packets from the phone and %d to it, want >= 50 each", len(out), len(in))
	}
	// G.711 of a tone uses few byte values (entropy well below 7 bits); ciphertext is ~8.
	for _, d := range []struct {
		name  string
		pkts  [][]byte
		entry float64
	}{{"phone -> baresip", out, byteEntropy(out)}, {"baresip -> phone", in, byteEntropy(in)}} {
		t.Logf("RTP %s: %d packets, payload entropy %.3f bits/byte", d.name, len(d.pkts), d.entry)
		if d.entry < 7.8 {
			t.Errorf("RTP %s: payload entropy %.3f bits/byte: looks like plain G.711, not SRTP", d.name, d.entry)
		}
	}
	t.Logf("RTCP from the phone: %d SRTCP, %d without the E flag", srtcp, plainRTCP)
	if srtcp == 0 || plainRTCP > 0 {
		t.Errorf("RTCP from the phone: %d SRTCP packets, %d not SRTCP; want only SRTCP", srtcp, plainRTCP)
	}
}

// TestSRTPBaresipCallsPhone: baresip (mediaenc=srtp-mand: RTP/SAVP + a=crypto) calls the phone
// (media_encryption = "srtp", auto-answer), holds and resumes (baresip's re-INVITEs); tones go
// both ways through SRTP, the media event says srtp, a capture shows the RTP is not plain G.711
// and the RTCP is SRTCP, and no key reaches the trace, the log or the events.
func TestSRTPBaresipCallsPhone(t *testing.T) {
	needTools(t, "baresip", "sox")
	l := lab(t)
	peer := l.startPeer([]string{"SRTP=mandatory", "SINE_FREQ=1000"}, "baresip.sh", "5120")
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone440.wav")
	makeTone(t, tone, 440, 12)
	rec := filepath.Join(dir, "rec.wav")
	capture := startCapture(t, srtpRTPLo, srtpRTPHi)

	p := startPhone(t, "--config", srtpConfig(t, 5122, "srtp"), "--listen", phoneAddr(5122),
		"--audio", "file", "--play", tone, "--record", rec, "--auto-answer", "0s")
	out, rc := l.baresipCtl(portOf(peer.KV["ctrl"]), "dial sip:sipterm@127.0.0.1:5122", "CALL_ESTABLISHED|CALL_CLOSED", 15*time.Second)
	if rc != 0 || !strings.Contains(out, "CALL_ESTABLISHED") {
		t.Fatalf("baresip's SRTP call was not established (rc=%d):\n%s\nphone events:\n%s", rc, out, p.dumpEvents(30))
	}
	id := p.waitFor(10*time.Second, "call", "state", "established").Str("id")
	m := p.waitFor(5*time.Second, "media", "id", id)
	if m.Str("encryption") != "srtp" || m.Str("srtp_suite") == "" {
		t.Errorf("media event: encryption %q suite %q, want srtp and a suite: %s", m.Str("encryption"), m.Str("srtp_suite"), m.Raw)
	}
	time.Sleep(3 * time.Second)
	// baresip holds and resumes (its re-INVITEs): SRTP goes on after them
	ctl := portOf(peer.KV["ctrl"])
	if _, rc := l.baresipCtl(ctl, "hold", "", 5*time.Second); rc != 0 {
		t.Fatalf("baresip hold: rc=%d", rc)
	}
	p.waitFor(10*time.Second, "call", "id", id, "state", "held")
	if _, rc := l.baresipCtl(ctl, "resume", "", 5*time.Second); rc != 0 {
		t.Fatalf("baresip resume: rc=%d", rc)
	}
	p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	time.Sleep(4 * time.Second) // audio both ways, and RTCP (every ~5 s)
	p.Send("hangup " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	p.stop()
	pkts := capture.packets()

	if out, ok := l.wavcheckTrimmed(rec, 1000); !ok {
		t.Errorf("the phone's recording does not hold baresip's 1 kHz tone: %s", out)
	} else {
		t.Logf("phone rec: %s", out)
	}
	waitBaresipRec(t, l, peer, 440)
	checkEncryptedMedia(t, pkts)
	for _, e := range p.Events() {
		if e.Str("event") == "stats" && e.Int("srtp_auth_failures") != 0 {
			t.Errorf("SRTP authentication failures in a clean call: %s", e.Raw)
		}
	}
	checkKeysMasked(t, p)
}

var inlineKeyRE = regexp.MustCompile(`inline:([A-Za-z0-9+/=]{20,})`)

// checkKeysMasked: the phone's SIP trace has the a=crypto lines with their keys masked, and no
// SDES key appears in the trace, the log (stderr) or the events.
func checkKeysMasked(t *testing.T, p *Phone) {
	t.Helper()
	b, err := os.ReadFile(p.trace)
	if err != nil {
		t.Fatalf("reading the SIP trace: %v", err)
	}
	trace := string(b)
	if !strings.Contains(trace, "a=crypto:") || !strings.Contains(trace, "inline:***") {
		t.Errorf("the SIP trace has no masked a=crypto line (inline:***)")
	}
	logs, _ := os.ReadFile(p.errLog)
	var events strings.Builder
	for _, e := range p.Events() {
		events.WriteString(e.Raw + "\n")
	}
	for name, text := range map[string]string{"SIP trace": trace, "log": string(logs), "events": events.String()} {
		if m := inlineKeyRE.FindString(text); m != "" {
			t.Errorf("an SRTP key is in the %s: %.20s...", name, m)
		}
	}
}

// TestSRTPPeerAnswersPlain: the phone (media_encryption = "srtp") calls a SIPp UAS that answers
// 200 with plain RTP/AVP and no a=crypto. The phone must not send media in clear: it ACKs, hangs
// up at once (BYE) and the call ends with 488 and a reason that says SRTP was required.
func TestSRTPPeerAnswersPlain(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	uas := l.startPeer([]string{"SIPP_PORT=5129", "COUNT=1"}, "sipp.sh", "uas-plain")
	capture := startCapture(t, srtpRTPLo, srtpRTPHi)
	p := startPhone(t, "--config", srtpConfig(t, 5128, "srtp"), "--listen", phoneAddr(5128), "--audio", "null")
	p.Send("dial sip:uas@127.0.0.1:5129")
	term := p.waitFor(15*time.Second, "call", "state", "terminated")
	t.Logf("ended: %s", term.Raw)
	if term.Int("code") != 488 || !strings.Contains(term.Str("reason"), "SRTP required") {
		t.Errorf("plain answer to an SRTP offer: want 488 and a reason saying SRTP is required: %s", term.Raw)
	}
	p.noEvent("media", ev("media"))
	deadline := time.Now().Add(15 * time.Second)
	for pidAlive(l.Dir, uas.Name) && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if scr, err := os.ReadFile(filepath.Join(l.Dir, uas.Name, "screen.log")); err != nil || !successfulOne(string(scr)) {
		t.Errorf("SIPp UAS did not see ACK and BYE (err %v):\n%s", err, scr)
	}
	for _, pk := range capture.packets() {
		if pk.src >= srtpRTPLo && pk.src <= srtpRTPHi && pk.src%2 == 0 {
			t.Errorf("the phone sent RTP (%d bytes to port %d) in a call it refused", len(pk.payload), pk.dst)
			break
		}
	}
}

// TestSRTPPhoneCallsBaresip: the phone (media_encryption = "srtp": RTP/SAVP) calls baresip
// (srtp-mand); then, on hold and resume (re-INVITEs), SRTP keeps working: tones both ways.
func TestSRTPPhoneCallsBaresip(t *testing.T) {
	needTools(t, "baresip", "sox")
	l := lab(t)
	peer := l.startPeer([]string{"SRTP=mandatory", "AUTOANSWER=1", "SINE_FREQ=1000"}, "baresip.sh", "5124")
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone440.wav")
	makeTone(t, tone, 440, 15)
	rec := filepath.Join(dir, "rec.wav")
	capture := startCapture(t, srtpRTPLo, srtpRTPHi)

	p := startPhone(t, "--config", srtpConfig(t, 5126, "srtp"), "--listen", phoneAddr(5126),
		"--audio", "file", "--play", tone, "--record", rec)
	p.Send("dial sip:baresip@127.0.0.1:5124")
	id := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	if m := p.waitFor(5*time.Second, "media", "id", id); m.Str("encryption") != "srtp" {
		t.Errorf("media event: encryption %q, want srtp: %s", m.Str("encryption"), m.Raw)
	}
	time.Sleep(3 * time.Second)
	p.Send("hold " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "held")
	time.Sleep(500 * time.Millisecond)
	p.Send("resume " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	time.Sleep(4 * time.Second)
	p.Send("hangup " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	p.stop()
	pkts := capture.packets()

	for _, e := range p.Events() {
		if e.Str("event") == "media" && e.Str("id") == id && e.Str("encryption") != "srtp" {
			t.Errorf("media event after a re-INVITE without SRTP: %s", e.Raw)
		}
		if e.Str("event") == "stats" && e.Int("srtp_auth_failures") != 0 {
			t.Errorf("SRTP authentication failures: %s", e.Raw)
		}
	}
	if out, ok := l.wavcheckTrimmed(rec, 1000); !ok {
		t.Errorf("the phone's recording does not hold baresip's 1 kHz tone: %s", out)
	} else {
		t.Logf("phone rec: %s", out)
	}
	waitBaresipRec(t, l, peer, 440)
	checkEncryptedMedia(t, pkts)
}

// TestSRTPOptionalBothWays: srtp-optional (RTP/AVP with best-effort a=crypto) with baresip's
// best-effort mediaenc=srtp gives SRTP both ways; with a plain baresip it falls back to RTP.
func TestSRTPOptionalBothWays(t *testing.T) {
	needTools(t, "baresip")
	l := lab(t)
	srtpPeer := l.startPeer([]string{"SRTP=optional", "AUTOANSWER=1"}, "baresip.sh", "5120")
	plainPeer := l.startPeer([]string{"AUTOANSWER=1"}, "baresip.sh", "5124")
	p := startPhone(t, "--config", srtpConfig(t, 5128, "srtp-optional"), "--listen", phoneAddr(5128),
		"--audio", "null", "--auto-answer", "0s")
	for _, tc := range []struct {
		name, enc string
		dial      func()
	}{
		{"phone calls srtp baresip", "srtp", func() { p.Send("dial sip:baresip@127.0.0.1:5120") }},
		{"phone calls plain baresip", "none", func() { p.Send("dial sip:baresip@127.0.0.1:5124") }},
		{"srtp baresip calls phone", "srtp", func() {
			l.baresipCtlAsync(portOf(srtpPeer.KV["ctrl"]), "dial sip:sipterm@127.0.0.1:5128", "CALL_ESTABLISHED|CALL_CLOSED", 15*time.Second)
		}},
		{"plain baresip calls phone", "none", func() {
			l.baresipCtlAsync(portOf(plainPeer.KV["ctrl"]), "dial sip:sipterm@127.0.0.1:5128", "CALL_ESTABLISHED|CALL_CLOSED", 15*time.Second)
		}},
	} {
		p.Mark()
		tc.dial()
		id := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
		if m := p.waitFor(5*time.Second, "media", "id", id); m.Str("encryption") != tc.enc {
			t.Errorf("%s: media encryption %q, want %q: %s", tc.name, m.Str("encryption"), tc.enc, m.Raw)
		}
		time.Sleep(time.Second)
		p.Send("hangup " + id)
		p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	}
}

// TestSRTPPolicyRefusals: every mismatch of policies fails clearly, with the true reason:
// a plain offer to media_encryption = "srtp" is refused 488 "SRTP required" (an event says so,
// not "no common codec"); an RTP/SAVP offer to "none" is refused 488 "SRTP offered"; and the
// phone's "srtp" call to a plain peer ends with a reason that names SRTP.
func TestSRTPPolicyRefusals(t *testing.T) {
	needTools(t, "baresip")
	l := lab(t)
	plainPeer := l.startPeer(nil, "baresip.sh", "5120")
	srtpPeer := l.startPeer([]string{"SRTP=mandatory"}, "baresip.sh", "5124")

	t.Log("step: plain baresip calls a phone that requires SRTP")
	p := startPhone(t, "--config", srtpConfig(t, 5126, "srtp"), "--listen", phoneAddr(5126), "--audio", "null", "--auto-answer", "0s")
	out, _ := l.baresipCtl(portOf(plainPeer.KV["ctrl"]), "dial sip:sipterm@127.0.0.1:5126", "CALL_ESTABLISHED|CALL_CLOSED", 15*time.Second)
	if !strings.Contains(out, "CALL_CLOSED") || strings.Contains(out, "CALL_ESTABLISHED") {
		t.Errorf("plain call to an SRTP-only phone: baresip did not see it refused:\n%s", out)
	}
	if !strings.Contains(out, "488") {
		t.Errorf("plain call to an SRTP-only phone: baresip did not get 488:\n%s", out)
	}
	term := p.waitFor(10*time.Second, "call", "state", "terminated")
	t.Logf("refused: %s", term.Raw)
	if term.Int("code") != 488 || !strings.Contains(term.Str("reason"), "SRTP required") || strings.Contains(term.Str("reason"), "codec") {
		t.Errorf("refused plain call: want code 488 and a reason saying SRTP is required: %s", term.Raw)
	}
	// The trace has its own writer goroutine: the event can come before the 488 is in the file.
	if err := waitFileContains(p.trace, "\nWarning: 305 sipterm \"SRTP required", 5*time.Second); err != nil {
		b, _ := os.ReadFile(p.trace)
		t.Errorf("the 488 has no Warning that says SRTP is required (%v); SIP trace:\n%s", err, tail(string(b), 40))
	}
	p.noEvent("established call", ev("call", "state", "established"))

	t.Log("step: the SRTP-only phone calls plain baresip")
	p.Mark()
	p.Send("dial sip:baresip@127.0.0.1:5120")
	term = p.waitFor(15*time.Second, "call", "state", "terminated")
	t.Logf("failed: %s", term.Raw)
	if term.Int("code") < 400 || !strings.Contains(term.Str("reason"), "SRTP") {
		t.Errorf("SRTP call to a plain peer: want a failure whose reason names SRTP: %s", term.Raw)
	}
	p.noEvent("established call", ev("call", "state", "established"))
	p.stop()

	t.Log("step: SRTP-only baresip calls a phone with media_encryption = none")
	p2 := startPhone(t, "--config", srtpConfig(t, 5128, "none"), "--listen", phoneAddr(5128), "--audio", "null", "--auto-answer", "0s")
	out, _ = l.baresipCtl(portOf(srtpPeer.KV["ctrl"]), "dial sip:sipterm@127.0.0.1:5128", "CALL_ESTABLISHED|CALL_CLOSED", 15*time.Second)
	if !strings.Contains(out, "CALL_CLOSED") || strings.Contains(out, "CALL_ESTABLISHED") {
		t.Errorf("SRTP call to a phone without SRTP: baresip did not see it refused:\n%s", out)
	}
	term = p2.waitFor(10*time.Second, "call", "state", "terminated")
	t.Logf("refused: %s", term.Raw)
	if term.Int("code") != 488 || !strings.Contains(term.Str("reason"), "SRTP offered, media_encryption is none") {
		t.Errorf("refused SRTP call: want 488 and \"SRTP offered, media_encryption is none\": %s", term.Raw)
	}
}
