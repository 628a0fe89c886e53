package main

// Timers and refusals (issue 8 items 8-10): ring_timeout, no_answer, do-not-disturb, redirect
// both ways, hangup before any provisional, media off at BYE, 481 after our BYE, DTMF by INFO.
// Phone: 5190; SIPp: 5191-5199. RTP of the phone: 16900-16999.

import (
	"net"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
)

const timersPhone = 5190

// timersConfig is a phone config with extra account keys (accounts may be appended after it).
func timersConfig(t *testing.T, top, account string) string {
	t.Helper()
	return writeFile(t, t.TempDir(), "sipterm.toml", "rtp_ports = \"16900-16999\"\n"+top+
		"\n[[accounts]]\nname = \"local\"\naor = \"sip:sipterm@127.0.0.1\"\n"+account)
}

// uasMessages is the SIPp log of a background lab UAS (its messages.log).
func uasMessages(p Peer) SippResult {
	return SippResult{Scenario: p.Name, Messages: filepath.Join(p.KV["dir"], "messages.log")}
}

// received finds the first message SIPp received whose first line starts with prefix.
func (r SippResult) received(prefix string) (SipMsg, bool) {
	for _, m := range r.SipMessages() {
		if !m.Sent && strings.HasPrefix(m.First, prefix) {
			return m, true
		}
	}
	return SipMsg{}, false
}

// TestTimersRingTimeout: ring_timeout = 2s against a SIPp that rings for ever: the call ends
// with "no answer" after about 2 s and SIPp gets our CANCEL.
func TestTimersRingTimeout(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	uas := l.startPeer([]string{"SIPP_PORT=5191", "COUNT=1", "DURATION=0"}, "sipp.sh", "uas-cancel")
	cfg := timersConfig(t, "", "ring_timeout = \"2s\"\n")
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(timersPhone), "--audio", "null")
	p.Send("dial sip:uas@127.0.0.1:5191")
	d := p.waitFor(5*time.Second, "dialing")
	id := d.Str("id")
	p.waitFor(5*time.Second, "call", "id", id, "state", "ringing")
	term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if term.Str("reason") != "no answer" || term.Int("code") != 408 {
		t.Errorf("terminated %s, want code 408 reason \"no answer\"", term.Raw)
	}
	if gap := term.At.Sub(d.At); gap < 1500*time.Millisecond || gap > 5*time.Second {
		t.Errorf("ended %v after dialling, want about 2 s (ring_timeout)", gap)
	}
	if err := waitFileContains(uas.KV["dir"]+"/messages.log", "ACK sip:", 10*time.Second); err != nil {
		t.Fatalf("SIPp saw no CANCEL/487/ACK: %v", err)
	}
	if _, ok := uasMessages(uas).received("CANCEL "); !ok {
		t.Errorf("SIPp received no CANCEL")
	}
}

// TestTimersHangupBeforeProvisional: SIPp (TCP) stays silent for 2 s, then rings. A hangup in
// the silence ends the call for the user at once ("cancelled"); the CANCEL follows the 180.
func TestTimersHangupBeforeProvisional(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	uas := l.startPeer([]string{"SIPP_PORT=5192", "COUNT=1", "DURATION=2", "TRANSPORT=t1"}, "sipp.sh", "uas-cancel")
	cfg := timersConfig(t, "", "")
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(timersPhone), "--audio", "null")
	p.Send("dial sip:uas@127.0.0.1:5192;transport=tcp")
	id := p.waitFor(5*time.Second, "dialing").Str("id")
	p.waitFor(5*time.Second, "call", "id", id, "state", "calling")
	time.Sleep(300 * time.Millisecond) // the INVITE is out, SIPp is silent
	p.Send("hangup " + id)
	sent := time.Now()
	term := p.waitFor(5*time.Second, "call", "id", id, "state", "terminated")
	if gap := term.At.Sub(sent); gap > time.Second {
		t.Errorf("terminated %v after hangup, want at once", gap)
	}
	if r := term.Str("reason"); !strings.HasPrefix(r, "cancelled") || strings.Contains(r, "\n") || term.Int("code") != 487 {
		t.Errorf("terminated %s, want code 487 and a one-line reason starting \"cancelled\"", term.Raw)
	}
	if err := waitFileContains(uas.KV["dir"]+"/messages.log", "ACK sip:", 10*time.Second); err != nil {
		t.Fatalf("SIPp saw no CANCEL after its 180: %v", err)
	}
	msgs := uasMessages(uas).SipMessages()
	i180, iCancel := -1, -1
	for i, m := range msgs {
		if m.Sent && strings.HasPrefix(m.First, "SIP/2.0 180") && i180 < 0 {
			i180 = i
		}
		if !m.Sent && strings.HasPrefix(m.First, "CANCEL ") && iCancel < 0 {
			iCancel = i
		}
	}
	if i180 < 0 || iCancel < i180 {
		t.Errorf("want SIPp's 180 then our CANCEL; 180 at %d, CANCEL at %d", i180, iCancel)
	}
	p.noEvent("no second terminated", ev("call", "id", id, "state", "established"))
}

// TestTimersRedirectFollowed: SIPp answers 302 with a Contact of a second SIPp that answers:
// the call follows the Contact, the user sees "redirected to ...", and it is established there.
// Then a 302 that points back at the dialled URI (a loop) is not followed.
func TestTimersRedirectFollowed(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	target := "sip:uas@127.0.0.1:5193"
	l.startPeer([]string{"SIPP_PORT=5193", "COUNT=1"}, "sipp.sh", "uas")
	l.startPeer([]string{"SIPP_PORT=5194", "COUNT=1"}, "sipp.sh", "uas-302", "-key", "redirect_to", target)
	self := "sip:uas@127.0.0.1:5195"
	l.startPeer([]string{"SIPP_PORT=5195", "COUNT=1"}, "sipp.sh", "uas-302", "-key", "redirect_to", self)
	cfg := timersConfig(t, "", "")
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(timersPhone), "--audio", "null")
	p.Send("dial sip:uas@127.0.0.1:5194")
	id := p.waitFor(5*time.Second, "dialing").Str("id")
	red := p.waitFor(5*time.Second, "call", "id", id, "reason", "redirected to "+target)
	if red.Int("code") != 302 || red.Str("state") != "calling" {
		t.Errorf("redirect event %s, want state calling code 302", red.Raw)
	}
	est := p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	if est.Str("remote") != target {
		t.Errorf("established with %q, want the redirect target %s", est.Str("remote"), target)
	}
	p.Send("hangup " + id)
	term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if term.Int("code") != 200 {
		t.Errorf("terminated %s, want a clean BYE (200)", term.Raw)
	}

	// a 302 back to the URI just dialled is a loop: not followed, the call fails with it
	p.Send("dial " + self)
	id = p.waitFor(5*time.Second, "dialing").Str("id")
	term = p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if term.Int("code") != 302 {
		t.Errorf("terminated %s, want the unfollowed 302", term.Raw)
	}
}

// TestTimersIncomingRefusals: no_answer (480), no_answer_forward (302 with the Contact) and
// `redirect ID URI` (302), each with SIPp calling; then DND (486 "do not disturb"), and
// screening still first (an unknown user gets 404 with DND on).
func TestTimersIncomingRefusals(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	cfg := timersConfig(t, "dnd_code = 486\n", "no_answer = \"1s\"\n"+
		"\n[[accounts]]\nname = \"fwd\"\naor = \"sip:fwd@127.0.0.1\"\nno_answer = \"1s\"\nno_answer_forward = \"sip:vm@127.0.0.1:5199\"\n"+
		"\n[[accounts]]\nname = \"manual\"\naor = \"sip:manual@127.0.0.1\"\n")
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(timersPhone), "--audio", "null")

	contactOf := func(r SippResult) string {
		for _, m := range r.SipMessages() {
			if !m.Sent && m.Code() == 302 {
				return m.Headers["contact"]
			}
		}
		return ""
	}
	t.Run("no_answer 480", func(t *testing.T) {
		r := l.sipp("uac-no-answer", phoneAddr(timersPhone), "SIPP_PORT=5196")
		r.expectOK(t, 1)
		if indexOf(r.Responses(), 480) < 0 {
			t.Errorf("responses %v, want 480", r.Responses())
		}
		term := p.waitFor(5*time.Second, "call", "account", "local", "state", "terminated")
		if term.Int("code") != 480 || term.Str("reason") != "no answer" {
			t.Errorf("terminated %s, want 480 \"no answer\"", term.Raw)
		}
	})
	t.Run("no_answer_forward 302", func(t *testing.T) {
		r := l.sipp("uac-no-answer", phoneAddr(timersPhone), "SIPP_PORT=5196", "SERVICE=fwd")
		r.expectOK(t, 1)
		if c := contactOf(r); !strings.Contains(c, "sip:vm@127.0.0.1:5199") {
			t.Errorf("302 Contact %q, want sip:vm@127.0.0.1:5199 (responses %v)", c, r.Responses())
		}
		term := p.waitFor(5*time.Second, "call", "account", "fwd", "state", "terminated")
		if term.Int("code") != 302 || !strings.Contains(term.Str("reason"), "forwarded to sip:vm@127.0.0.1:5199") {
			t.Errorf("terminated %s, want 302 forwarded to ...", term.Raw)
		}
	})
	t.Run("redirect command", func(t *testing.T) {
		res := l.sippAsync("uac-no-answer", phoneAddr(timersPhone), "SIPP_PORT=5196", "SERVICE=manual")
		in := p.waitFor(10*time.Second, "call", "account", "manual", "state", "incoming")
		p.Send("redirect " + in.Str("id") + " sip:carol@127.0.0.1:5198")
		r := <-res
		r.expectOK(t, 1)
		if c := contactOf(r); !strings.Contains(c, "sip:carol@127.0.0.1:5198") {
			t.Errorf("302 Contact %q, want sip:carol@127.0.0.1:5198 (responses %v)", c, r.Responses())
		}
		term := p.waitFor(5*time.Second, "call", "id", in.Str("id"), "state", "terminated")
		if term.Int("code") != 302 || term.Str("reason") != "redirected to sip:carol@127.0.0.1:5198" {
			t.Errorf("terminated %s, want 302 \"redirected to sip:carol@127.0.0.1:5198\"", term.Raw)
		}
	})
	t.Run("dnd", func(t *testing.T) {
		p.Send("dnd on")
		p.waitFor(5*time.Second, "dnd", "on", "true")
		r := l.sipp("uac-refused-486", phoneAddr(timersPhone), "SIPP_PORT=5196")
		r.expectOK(t, 1)
		term := p.waitFor(5*time.Second, "call", "reason", "do not disturb")
		if term.Int("code") != 486 || term.Str("state") != "terminated" {
			t.Errorf("DND refusal %s, want terminated 486", term.Raw)
		}
		// screening stays first: a scanner learns nothing, not even that we are busy
		r = l.sipp("uac-refused-404", phoneAddr(timersPhone), "SIPP_PORT=5196", "SERVICE=nobody")
		r.expectOK(t, 1)
		p.Send("dnd")
		p.waitFor(5*time.Second, "dnd", "on", "true")
		p.Send("dnd off")
		p.waitFor(5*time.Second, "dnd", "on", "false")
	})
}

// TestTimersByeStopsMediaAnd481: SIPp (TCP) holds the 200 to our BYE for 2 s and meanwhile
// sends a re-INVITE in the dialog: it gets 481, and our RTP (counted at SIPp's media address)
// stops when the BYE leaves, not when it is answered.
func TestTimersByeStopsMediaAnd481(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	rtp, err := net.ListenUDP("udp", &net.UDPAddr{IP: net.IPv4(127, 0, 0, 1), Port: 16890})
	if err != nil {
		t.Fatal(err)
	}
	defer rtp.Close()
	arrivals := make(chan time.Time, 4096)
	go func() {
		buf := make([]byte, 2048)
		for {
			if _, err := rtp.Read(buf); err != nil {
				close(arrivals)
				return
			}
			arrivals <- time.Now()
		}
	}()
	uas := l.startPeer([]string{"SIPP_PORT=5197", "COUNT=1", "DURATION=2", "TRANSPORT=t1"}, "sipp.sh", "uas-bye-late",
		"-key", "rtp_port", "16890")
	cfg := timersConfig(t, "", "")
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(timersPhone), "--audio", "null")
	p.Send("dial sip:uas@127.0.0.1:5197;transport=tcp")
	id := p.waitFor(5*time.Second, "dialing").Str("id")
	p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	time.Sleep(time.Second)
	p.Send("hangup " + id)
	hung := time.Now()
	p.waitFor(5*time.Second, "media_stop", "id", id)
	term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if gap := term.At.Sub(hung); gap < 1500*time.Millisecond {
		t.Errorf("terminated %v after hangup: SIPp held the BYE's 200 for 2 s, so the BYE did not wait?", gap)
	}
	rtp.Close()
	before, after := 0, 0
	for at := range arrivals {
		if at.Before(hung.Add(300 * time.Millisecond)) {
			before++
		} else {
			after++
		}
	}
	if before < 20 || after > 0 {
		t.Errorf("RTP packets: %d before the hangup (want many), %d more than 300 ms after it (want none)", before, after)
	}
	if err := waitFileContains(uas.KV["dir"]+"/messages.log", "SIP/2.0 481", 10*time.Second); err != nil {
		t.Errorf("the re-INVITE after our BYE did not get 481: %v", err)
	}
	if m, ok := uasMessages(uas).received("SIP/2.0 200"); ok {
		t.Errorf("the re-INVITE after our BYE got %s", m.First)
	}
}

// TestTimersInfoDTMF: a peer that does not offer telephone-event gets DTMF as SIP INFO
// (dtmf_mode auto): application/dtmf-relay, Signal= and Duration=, one INFO per digit, in order.
func TestTimersInfoDTMF(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	uas := l.startPeer([]string{"SIPP_PORT=5198", "COUNT=1"}, "sipp.sh", "uas-info-dtmf")
	cfg := timersConfig(t, "", "")
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(timersPhone), "--audio", "null")
	p.Send("dial sip:uas@127.0.0.1:5198")
	id := p.waitFor(5*time.Second, "dialing").Str("id")
	p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	p.Send("dtmf " + id + " 1#")
	msgs := uas.KV["dir"] + "/messages.log"
	if err := waitFileContains(msgs, "Signal=#", 10*time.Second); err != nil {
		t.Fatalf("SIPp got no INFO for #: %v", err)
	}
	p.Send("hangup " + id)
	term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if term.Int("code") != 200 {
		t.Errorf("terminated %s, want 200 (SIPp answered every INFO and the BYE)", term.Raw)
	}
	data, _ := os.ReadFile(msgs)
	if n := strings.Count(string(data), "INFO sip:"); n != 2 {
		t.Errorf("%d INFO requests, want 2 (one per digit)", n)
	}
	p.noEvent("no warning", ev("notice", "level", "warn"))
}

// TestTimersInfoDTMFBaresip: with dtmf_mode = "info" the digits go to baresip as SIP INFO even
// though it agreed to telephone-event; baresip reports each one.
func TestTimersInfoDTMFBaresip(t *testing.T) {
	needTools(t, "baresip")
	l := lab(t)
	peer := l.startPeer([]string{"AUTOANSWER=1"}, "baresip.sh", "5196")
	events := l.baresipCtlAsync(portOf(peer.KV["ctrl"]), "listcalls", "CALL_CLOSED", 30*time.Second)
	time.Sleep(300 * time.Millisecond)
	cfg := timersConfig(t, "", "dtmf_mode = \"info\"\n")
	trace := filepath.Join(t.TempDir(), "sip.trace")
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(timersPhone), "--audio", "null", "--sip-trace", trace)
	p.Send("dial sip:baresip@127.0.0.1:5196")
	id := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	p.Send("dtmf " + id + " 159")
	if err := waitFileContains(trace, "Signal=9", 10*time.Second); err != nil {
		t.Fatalf("no INFO for the last digit in the trace: %v", err)
	}
	time.Sleep(500 * time.Millisecond) // baresip's 200 to the last INFO
	p.Send("hangup " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	r := <-events
	var digits []string
	for _, m := range regexp.MustCompile(`"type":"CALL_DTMF_START"[^}]*"param":"([^"]*)"`).FindAllStringSubmatch(r.Out, -1) {
		digits = append(digits, m[1])
	}
	if strings.Join(digits, "") != "159" {
		t.Errorf("baresip received DTMF %q, want 1 5 9; its events:\n%s", digits, r.Out)
	}
	p.noEvent("no warning", ev("notice", "level", "warn"))
}
