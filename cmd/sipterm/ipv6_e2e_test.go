package main

// IPv6 (issue 7): SIPp on [::1] against the headless phone on [::1], [::] and 127.0.0.1.
// Ports: phone 5150, 5152-5154, 5156; SIPp 5151, 5152, 5155, 5157, 5158; baresip 5150, 5154
// (and its TLS port +1). Tests run one at a time.

import (
	"net/netip"
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// ipv6Media checks a media event: codec PCMU and both addresses of the wanted family.
func ipv6Media(t *testing.T, m Event, want6 bool) {
	t.Helper()
	if m.Str("codec") != "PCMU" {
		t.Errorf("media codec %q, want PCMU: %s", m.Str("codec"), m.Raw)
	}
	for _, key := range []string{"local", "remote"} {
		ap, err := netip.ParseAddrPort(m.Str(key))
		if err != nil || ap.Addr().Is6() != want6 || ap.Addr().IsUnspecified() {
			t.Errorf("media %s address %q: want an IPv6=%v unicast address: %s", key, m.Str(key), want6, m.Raw)
		}
	}
}

// waitReceived waits for a stats event of call id that counts received RTP packets (the
// call must stay up: stats come about every 5 s, randomised like RTCP).
func waitReceived(p *Phone, id string) Event {
	p.t.Helper()
	return p.waitEvent(func(e Event) bool {
		return e.Str("event") == "stats" && e.Str("id") == id && e.Int("received") > 0
	}, 15*time.Second)
}

// filePhone starts a phone with file audio (plays a 1 kHz tone, records to the returned file).
func filePhone(t *testing.T, listen string, args ...string) (*Phone, string) {
	dir := t.TempDir()
	tone, rec := filepath.Join(dir, "tone1k.wav"), filepath.Join(dir, "rec.wav")
	makeTone(t, tone, 1000, 20)
	args = append([]string{"--listen", listen, "--audio", "file", "--play", tone, "--record", rec}, args...)
	return startPhone(t, args...), rec
}

// TestIPv6SippCallsPhone: SIPp on [::1] calls the phone on [::1] (uac-rtp: c=IN IP6, 440 Hz
// RTP); the answer's SDP and Contact are IPv6 and the phone records the tone that came over IPv6.
func TestIPv6SippCallsPhone(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	p, rec := filePhone(t, "[::1]:5150", "--auto-answer", "0s")
	if evs := p.Events(); len(evs) == 0 || evs[0].Str("listen") != `["udp:[::1]:5150","tcp:[::1]:5150"]` {
		t.Errorf("first events %v: want ready with listen udp/tcp [::1]:5150", evs)
	}
	r := l.sipp("uac-rtp", "[::1]:5150", "SIPP_IP=::1", "SIPP_PORT=5151", "DURATION=4")
	_, est, _ := sippCallEvents(t, p)
	ipv6Media(t, p.waitFor(5*time.Second, "media", "id", est.Str("id")), true)
	r.expectOK(t, 1)
	answered := false
	for _, m := range r.SipMessages() {
		if !m.Sent && m.Code() == 200 && m.Headers["cseq"] == "1 INVITE" {
			answered = true
			if !containsAll(m.Body, "c=IN IP6 ::1", "o=sipterm") || containsAll(m.Body, "IP4") {
				t.Errorf("the phone's answer is not IN IP6 ::1:\n%s", m.Body)
			}
			if c := m.Headers["contact"]; !containsAll(c, "[::1]:5150") {
				t.Errorf("the phone's Contact %q is not its IPv6 address", c)
			}
		}
	}
	if !answered {
		t.Errorf("SIPp's messages.log has no 200 to its INVITE (%s)", r.Messages)
	}
	p.waitCalls(0, 20*time.Second)
	p.stop()
	if out, ok := l.wavcheckTrimmed(rec, 440); !ok {
		t.Errorf("the phone's recording does not hold SIPp's 440 Hz tone: %s", out)
	}
}

// TestIPv6PhoneCallsSippUAS: the phone on [::1] dials sip:uas@[::1]:5152 (SIPp UAS, answers
// with c=IN IP6 and streams 440 Hz): our offer is IN IP6, RTP flows both ways, we hang up.
func TestIPv6PhoneCallsSippUAS(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	uas := l.startPeer([]string{"SIPP_IP=::1", "SIPP_PORT=5152", "COUNT=1"}, "sipp.sh", "uas")
	if uas.URI != "sip:uas@[::1]:5152" {
		t.Fatalf("SIPp UAS at %q, want sip:uas@[::1]:5152", uas.URI)
	}
	p, rec := filePhone(t, "[::1]:5153")
	p.Send("dial " + uas.URI)
	est := p.waitFor(15*time.Second, "call", "state", "established")
	id := est.Str("id")
	ipv6Media(t, p.waitFor(5*time.Second, "media", "id", id), true)
	waitReceived(p, id)
	p.Send("hangup " + id)
	term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if term.Str("reason") != "local hangup" {
		t.Errorf("terminated: %s", term.Raw)
	}
	p.stop()
	if out, ok := l.wavcheckTrimmed(rec, 440); !ok {
		t.Errorf("the phone's recording does not hold SIPp's 440 Hz tone: %s", out)
	}
	msgs := SippResult{Messages: filepath.Join(uas.KV["dir"], "messages.log")}.SipMessages()
	sawOffer, sawBye := false, false
	for _, m := range msgs {
		switch {
		case !m.Sent && containsAll(m.First, "INVITE sip:uas@[::1]:5152"):
			sawOffer = true
			if !containsAll(m.Body, "c=IN IP6 ::1") || containsAll(m.Body, "IP4") {
				t.Errorf("the phone's offer is not IN IP6 ::1:\n%s", m.Body)
			}
			if !containsAll(m.Headers["contact"], "[::1]:5153") || !containsAll(m.Headers["via"], "[::1]") {
				t.Errorf("Contact %q / Via %q do not carry the phone's IPv6 address", m.Headers["contact"], m.Headers["via"])
			}
		case !m.Sent && containsAll(m.First, "BYE "):
			sawBye = true
		}
	}
	if !sawOffer || !sawBye {
		t.Errorf("SIPp saw INVITE=%v BYE=%v from the phone (messages %s)", sawOffer, sawBye, filepath.Join(uas.KV["dir"], "messages.log"))
	}
}

// TestIPv6MediaOverIPv4Signalling: SIP on 127.0.0.1 but an offer with c=IN IP6 ::1: the answer
// is IN IP6 with an IPv6 RTP socket (it used to be answered with an IPv4 address), and SIPp's
// tone arrives over it.
func TestIPv6MediaOverIPv4Signalling(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	p, rec := filePhone(t, "127.0.0.1:5154", "--auto-answer", "0s")
	r := l.sipp("uac-rtp", "127.0.0.1:5154", "SIPP_IP=127.0.0.1", "SIPP_MEDIA_IP=::1", "SIPP_PORT=5155", "DURATION=4")
	_, est, _ := sippCallEvents(t, p)
	ipv6Media(t, p.waitFor(5*time.Second, "media", "id", est.Str("id")), true)
	r.expectOK(t, 1)
	answered := false
	for _, m := range r.SipMessages() {
		if !m.Sent && m.Code() == 200 && m.Headers["cseq"] == "1 INVITE" {
			answered = true
			if !containsAll(m.Body, "c=IN IP6 ::1") {
				t.Errorf("answer to an IP6 offer is not IN IP6 ::1:\n%s", m.Body)
			}
		}
	}
	if !answered {
		t.Errorf("SIPp's messages.log has no 200 to its INVITE (%s)", r.Messages)
	}
	p.waitCalls(0, 20*time.Second)
	p.stop()
	if out, ok := l.wavcheckTrimmed(rec, 440); !ok {
		t.Errorf("the phone's recording does not hold SIPp's 440 Hz tone (sent to [::1]): %s", out)
	}
}

// TestIPv6DualStackListen: one phone on [::] takes a call from SIPp on ::1 and one from SIPp on
// 127.0.0.1; each call's media is of its caller's family.
func TestIPv6DualStackListen(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	p := startPhone(t, "--listen", "[::]:5156", "--auto-answer", "0s", "--audio", "null")
	for _, tc := range []struct {
		ip, target, port string
		v6               bool
	}{{"::1", "[::1]:5156", "5157", true}, {"127.0.0.1", "127.0.0.1:5156", "5158", false}} {
		r := l.sipp("uac-rtp", tc.target, "SIPP_IP="+tc.ip, "SIPP_PORT="+tc.port, "DURATION=2")
		r.expectOK(t, 1)
		_, est, _ := sippCallEvents(t, p)
		ipv6Media(t, p.waitFor(5*time.Second, "media", "id", est.Str("id")), tc.v6)
	}
	p.waitCalls(0, 20*time.Second)
}

// TestIPv6BaresipAudio: the phone on [::1] (plays 440 Hz, records) calls baresip on [::1]
// (net_prefer_ipv6; answers at once, sends 1 kHz) and hangs up after ~4 s: each side's
// recording holds the other's tone, so audio crossed IPv6 both ways.
func TestIPv6BaresipAudio(t *testing.T) {
	needTools(t, "baresip", "sox")
	l := lab(t)
	peer := l.startPeer([]string{"BARESIP_IP=::1", "AUTOANSWER=1", "SINE_FREQ=1000"}, "baresip.sh", "5150")
	if peer.URI != "sip:baresip@[::1]:5150" {
		t.Fatalf("baresip at %q, want sip:baresip@[::1]:5150", peer.URI)
	}
	dir := t.TempDir()
	tone, rec := filepath.Join(dir, "tone440.wav"), filepath.Join(dir, "rec.wav")
	makeTone(t, tone, 440, 10)
	p := startPhone(t, "--listen", "[::1]:5152", "--audio", "file", "--play", tone, "--record", rec)
	p.Send("dial " + peer.URI)
	est := p.waitFor(15*time.Second, "call", "state", "established")
	id := est.Str("id")
	ipv6Media(t, p.waitFor(5*time.Second, "media", "id", id), true)
	time.Sleep(4 * time.Second) // the call's length: ~4 s of audio each way
	p.Send("hangup " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	p.stop()
	if out, ok := l.wavcheckTrimmed(rec, 1000); !ok {
		t.Errorf("the phone's recording does not hold baresip's 1 kHz tone: %s", out)
	}
	if out, ok := baresipHeard(l, peer, 440); !ok {
		t.Errorf("baresip's recording does not hold the phone's 440 Hz tone: %s", out)
	}
}

// TestIPv6BaresipDialsPhone: baresip on [::1] (sends 440 Hz) dials the phone on [::1]
// (auto-answer, sends 1 kHz) and hangs up after ~3 s: the phone sees a remote BYE and each
// side's recording holds the other's tone.
func TestIPv6BaresipDialsPhone(t *testing.T) {
	needTools(t, "baresip", "sox")
	l := lab(t)
	peer := l.startPeer([]string{"BARESIP_IP=::1"}, "baresip.sh", "5154")
	p, rec := filePhone(t, "[::1]:5156", "--auto-answer", "0s")
	out, rc := l.baresipCtl(portOf(peer.KV["ctrl"]), "dial sip:sipterm@[::1]:5156", "CALL_ESTABLISHED|CALL_CLOSED", 20*time.Second)
	if rc != 0 || !strings.Contains(out, "CALL_ESTABLISHED") {
		t.Fatalf("baresip dial over IPv6: rc=%d\n%s", rc, out)
	}
	in := p.waitFor(10*time.Second, "call", "state", "incoming")
	id := in.Str("id")
	p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	ipv6Media(t, p.waitFor(5*time.Second, "media", "id", id), true)
	time.Sleep(3 * time.Second) // the call's length: ~3 s of audio each way
	if out, rc := l.baresipCtl(portOf(peer.KV["ctrl"]), "hangup", "CALL_CLOSED", 10*time.Second); rc != 0 {
		t.Errorf("baresip hangup: rc=%d\n%s", rc, out)
	}
	term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if term.Str("reason") != "remote BYE" {
		t.Errorf("terminated: %s, want remote BYE (baresip's BYE to our IPv6 Contact)", term.Raw)
	}
	p.stop()
	if out, ok := l.wavcheckTrimmed(rec, 440); !ok {
		t.Errorf("the phone's recording does not hold baresip's 440 Hz tone: %s", out)
	}
	if out, ok := baresipHeard(l, peer, 1000); !ok {
		t.Errorf("baresip's recording does not hold the phone's 1 kHz tone: %s", out)
	}
}

// baresipHeard checks baresip's latest received-audio recording for a tone; baresip writes the
// WAV header when the call has ended, so it polls (bounded).
func baresipHeard(l *Lab, peer Peer, hz int) (string, bool) {
	out, ok := "", false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !ok; time.Sleep(500 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(peer.KV["rec"], "dump-*-dec.wav"))
		if len(files) == 0 {
			out = "no dump-*-dec.wav in " + peer.KV["rec"]
			continue
		}
		sort.Strings(files)
		out, ok = l.wavcheck(files[len(files)-1], hz)
	}
	return out, ok
}

func containsAll(s string, subs ...string) bool {
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			return false
		}
	}
	return true
}
