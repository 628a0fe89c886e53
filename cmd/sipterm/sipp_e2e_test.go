package main

// SIPp against the headless phone (issue 2). Phone ports: 5070-5078, 5084, 5086-5089; SIPp:
// 5090 (lab default).
// None of these run in parallel (2-core box, fixed ports).

import (
	"fmt"
	"strings"
	"syscall"
	"testing"
	"time"
)

func phoneAddr(port int) string { return fmt.Sprintf("127.0.0.1:%d", port) }

// sippCallEvents checks the phone's view of one answered SIPp call: incoming (direction in),
// established, then terminated by the remote BYE; it returns those three events.
func sippCallEvents(t *testing.T, p *Phone) (incoming, established, terminated Event) {
	t.Helper()
	incoming = p.waitFor(5*time.Second, "call", "state", "incoming")
	if d := incoming.Str("direction"); d != "in" {
		t.Errorf("incoming call: direction %q, want in: %s", d, incoming.Raw)
	}
	id := incoming.Str("id")
	if id == "" {
		t.Fatalf("incoming call event without id: %s", incoming.Raw)
	}
	if !strings.Contains(incoming.Str("remote"), "sipp") {
		t.Errorf("incoming call: remote %q does not name the caller sip:sipp@...", incoming.Str("remote"))
	}
	established = p.waitFor(15*time.Second, "call", "id", id, "state", "established")
	terminated = p.waitFor(15*time.Second, "call", "id", id, "state", "terminated")
	if established.Seq < incoming.Seq || terminated.Seq < established.Seq {
		t.Errorf("call events out of order: incoming #%d established #%d terminated #%d",
			incoming.Seq, established.Seq, terminated.Seq)
	}
	if terminated.Int("code") == 603 {
		t.Errorf("terminated with 603: %s", terminated.Raw)
	}
	return incoming, established, terminated
}

// TestSippAutoAnswerNow: uac-rtp calls the phone with --auto-answer 0s: 200, established,
// media PCMU, remote BYE.
func TestSippAutoAnswerNow(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5070), "--auto-answer", "0s", "--audio", "null")
	r := l.sipp("uac-rtp", phoneAddr(5070))
	r.expectOK(t, 1)
	_, est, _ := sippCallEvents(t, p)
	m := p.waitFor(5*time.Second, "media", "id", est.Str("id"))
	if m.Str("codec") != "PCMU" {
		t.Errorf("media codec %q, want PCMU (the only one offered): %s", m.Str("codec"), m.Raw)
	}
	if m.Str("remote") == "" || m.Str("local") == "" {
		t.Errorf("media event without local/remote address: %s", m.Raw)
	}
	p.waitCalls(0, 40*time.Second)
	p.never603()
}

// TestSippAutoAnswerDelayed: --auto-answer 3s: the call rings first (incoming, SIPp sees 180)
// and is answered about 3 s later.
func TestSippAutoAnswerDelayed(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5071), "--auto-answer", "3s", "--audio", "null")
	r := l.sipp("uac-rtp", phoneAddr(5071))
	r.expectOK(t, 1)
	in, est, _ := sippCallEvents(t, p)
	// ordering, with a loose lower bound: answered "at once" would be a failure
	if gap := est.At.Sub(in.At); gap < 2*time.Second {
		t.Errorf("established %v after incoming, want about 3 s (auto-answer 3s)", gap)
	}
	codes := r.Responses()
	i180, i200 := indexOf(codes, 180), indexOf(codes, 200)
	if i180 < 0 || i200 < 0 || i180 > i200 {
		t.Errorf("SIPp responses %v: want 180 Ringing before the 200", codes)
	}
	p.never603()
}

func indexOf(xs []int, x int) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

// TestSippLateManualAnswerGOGC1 is the seed bug: the phone rings (no auto-answer) with GOGC=1
// (a GC cycle all the time, so an unreferenced call object would be collected), and the
// `answer` command comes 6 s after the incoming event. SIPp must get 200, never 603.
func TestSippLateManualAnswerGOGC1(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	p := startPhoneEnv(t, []string{"GOGC=1"}, "--listen", phoneAddr(5072), "--audio", "null")
	// uac-rtp waits for the 200 up to RECV_TIMEOUT: 20 s leaves room for the 6 s of ringing
	res := l.sippAsync("uac-rtp", phoneAddr(5072), "RECV_TIMEOUT=20000", "TIMEOUT=60")
	in := p.waitFor(10*time.Second, "call", "state", "incoming")
	id := in.Str("id")
	time.Sleep(6 * time.Second) // the point of the test: answer late
	if e, ok := p.find(ev("call", "id", id, "state", "terminated")); ok {
		t.Fatalf("call ended while ringing, before the answer: %s", e.Raw)
	}
	p.Send("answer " + id)
	est := p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	if gap := est.At.Sub(in.At); gap < 5*time.Second {
		t.Errorf("established %v after incoming: answered before the command?", gap)
	}
	r := <-res
	r.expectOK(t, 1)
	term := p.waitFor(15*time.Second, "call", "id", id, "state", "terminated")
	if term.Int("code") == 603 {
		t.Errorf("terminated with 603: %s", term.Raw)
	}
	p.noEvent("error", ev("error"))
	p.never603()
	p.waitCalls(0, 40*time.Second)
}

// TestSippCancelWhileRinging: uac-cancel against a ringing phone (no auto-answer): SIPp gets
// 200 for the CANCEL and 487 for the INVITE; the phone ends the call with code 487.
func TestSippCancelWhileRinging(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5073), "--audio", "null")
	r := l.sipp("uac-cancel", phoneAddr(5073))
	r.expectOK(t, 1)
	if codes := r.Responses(); indexOf(codes, 487) < 0 {
		t.Errorf("SIPp responses %v: no 487", codes)
	}
	r.never(t, 481) // the INVITE transaction must still exist when the CANCEL comes
	checkSameToTag(t, r, 180, 487)
	in := p.waitFor(5*time.Second, "call", "state", "incoming")
	term := p.waitFor(10*time.Second, "call", "id", in.Str("id"), "state", "terminated")
	if term.Int("code") != 487 {
		t.Errorf("terminated code %d, want 487: %s", term.Int("code"), term.Raw)
	}
	p.noEvent("established call", ev("call", "state", "established"))
	p.waitCalls(0, 40*time.Second)
}

// checkSameToTag: RFC 3261 8.2.6.2: all responses to one INVITE carry the same To-tag (the 487
// that follows a CANCEL included).
func checkSameToTag(t *testing.T, r SippResult, codes ...int) {
	t.Helper()
	tags := map[int]string{}
	for _, m := range r.SipMessages() {
		if !m.Sent && strings.HasSuffix(m.Headers["cseq"], "INVITE") && m.Code() != 0 {
			if _, seen := tags[m.Code()]; !seen {
				tags[m.Code()] = m.Tag("To")
			}
		}
	}
	first := tags[codes[0]]
	for _, c := range codes {
		if tags[c] == "" || tags[c] != first {
			t.Errorf("To-tags of the INVITE's responses differ or are missing: %v (want one tag for %v)", tags, codes)
			return
		}
	}
}

// TestSippHoldResume: uac-hold: re-INVITE sendonly -> the phone answers recvonly/inactive;
// re-INVITE sendrecv -> no hold direction; BYE. The scenario checks the SDP directions.
func TestSippHoldResume(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5074), "--auto-answer", "0s", "--audio", "null")
	r := l.sipp("uac-hold", phoneAddr(5074), "DURATION=2")
	r.expectOK(t, 1)
	if n := countOf(r.Responses(), 200); n < 4 {
		t.Errorf("SIPp got %d 200s, want 4 (INVITE, hold, resume, BYE): %v", n, r.Responses())
	}
	_, est, _ := sippCallEvents(t, p)
	// the phone's media follows: recvonly (or inactive) while held by SIPp, then sendrecv again
	checkMediaDirections(t, p, est.Str("id"), []string{"recvonly|inactive", "sendrecv"})
	p.never603()
	p.waitCalls(0, 40*time.Second)
}

// checkMediaDirections: the call's media events show these directions in this order (each
// entry may list alternatives "a|b"); other media events may come in between.
func checkMediaDirections(t *testing.T, p *Phone, id string, want []string) {
	t.Helper()
	var got []string
	i := 0
	for _, e := range p.Events() {
		if e.Str("event") != "media" || e.Str("id") != id {
			continue
		}
		d := e.Str("direction")
		got = append(got, d)
		if i < len(want) && strings.Contains("|"+want[i]+"|", "|"+d+"|") {
			i++
		}
	}
	if i < len(want) {
		t.Errorf("call %s: media directions %v, want %v in this order", id, got, want)
	}
}

func countOf(xs []int, x int) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

// TestSippBadSDP: an offer without any codec the phone has -> exactly 488 (strict copy of
// uac-bad-sdp: 200, 400, 500, 603, ... all fail); the phone stays alive (OPTIONS 200).
func TestSippBadSDP(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5075), "--auto-answer", "0s", "--audio", "null")
	r := l.sipp("uac-bad-sdp-488", phoneAddr(5075))
	r.expectOK(t, 1)
	l.sipp("options", phoneAddr(5075)).expectOK(t, 1)
	p.noEvent("established call", ev("call", "state", "established"))
	p.waitCalls(0, 40*time.Second)
}

// TestSippGarbageSDP: a malformed SDP body -> 400 or 488 (a 500 or 200 fails), then OPTIONS
// gets 200: the phone is alive.
func TestSippGarbageSDP(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5076), "--auto-answer", "0s", "--audio", "null")
	r := l.sipp("uac-bad-sdp-garbage-strict", phoneAddr(5076))
	r.expectOK(t, 1)
	r.never(t, 500, 200)
	l.sipp("options", phoneAddr(5076)).expectOK(t, 1)
	p.noEvent("established call", ev("call", "state", "established"))
	p.waitCalls(0, 40*time.Second)
}

// TestSippTCP: the same flows over TCP (TRANSPORT=t1): OPTIONS, an auto-answered uac-rtp
// call, and a CANCEL while ringing on a second phone.
func TestSippTCP(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5077), "--auto-answer", "0s", "--audio", "null")
	l.sipp("options", phoneAddr(5077), "TRANSPORT=t1").expectOK(t, 1)
	r := l.sipp("uac-rtp", phoneAddr(5077), "TRANSPORT=t1")
	r.expectOK(t, 1)
	sippCallEvents(t, p)
	p.waitCalls(0, 40*time.Second)

	ringing := startPhone(t, "--listen", phoneAddr(5078), "--audio", "null")
	l.sipp("uac-cancel", phoneAddr(5078), "TRANSPORT=t1").expectOK(t, 1)
	in := ringing.waitFor(5*time.Second, "call", "state", "incoming")
	term := ringing.waitFor(10*time.Second, "call", "id", in.Str("id"), "state", "terminated")
	if term.Int("code") != 487 {
		t.Errorf("TCP cancel: terminated code %d, want 487: %s", term.Int("code"), term.Raw)
	}
}

// TestSippDTMF: uac-dtmf sends RFC 4733 digits 1, 5, # (telephone-event 101 offered): the phone
// answers and reports them as dtmf events, in order.
func TestSippDTMF(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5084), "--auto-answer", "0s", "--audio", "null")
	r := l.sipp("uac-dtmf", phoneAddr(5084), "DURATION=1")
	r.expectOK(t, 1)
	_, est, _ := sippCallEvents(t, p)
	var got []string
	for _, e := range p.Events() {
		if e.Str("event") == "dtmf" {
			if e.Str("id") != est.Str("id") {
				t.Errorf("dtmf event for another call: %s", e.Raw)
			}
			got = append(got, e.Str("digit"))
		}
	}
	if strings.Join(got, "") != "15#" {
		t.Errorf("dtmf digits %q, want 1 5 # (one event per digit)", got)
	}
	p.never603()
}

// TestSippRejectCommand: the phone rings (no auto-answer); `reject ID 486` -> SIPp gets 486
// (uac-reject-486 accepts nothing else), the phone ends the call with code 486.
func TestSippRejectCommand(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5086), "--audio", "null")
	res := l.sippAsync("uac-reject-486", phoneAddr(5086))
	in := p.waitFor(10*time.Second, "call", "state", "incoming")
	p.Send("reject " + in.Str("id") + " 486")
	r := <-res
	r.expectOK(t, 1)
	checkSameToTag(t, r, 180, 486)
	term := p.waitFor(10*time.Second, "call", "id", in.Str("id"), "state", "terminated")
	if term.Int("code") != 486 {
		t.Errorf("terminated code %d, want 486: %s", term.Int("code"), term.Raw)
	}
	p.waitCalls(0, 40*time.Second)
}

// TestPhoneHangsUp: the phone ends an established call itself and SIPp (uac-wait-bye, which
// passes only if it receives the callee's BYE) answers it: by the `hangup` command, by `quit`
// (contract: calls are hung up, exit status 0) and by SIGTERM (the same).
func TestPhoneHangsUp(t *testing.T) {
	needTools(t, "sipp", "sox")
	l := lab(t)
	for _, how := range []string{"hangup", "quit", "SIGTERM"} {
		t.Logf("step: the phone hangs up by %s", how)
		p := startPhone(t, "--listen", phoneAddr(5087), "--auto-answer", "0s", "--audio", "null")
		res := l.sippAsync("uac-wait-bye", phoneAddr(5087))
		est := p.waitFor(10*time.Second, "call", "state", "established")
		time.Sleep(time.Second)
		switch how {
		case "hangup":
			p.Send("hangup " + est.Str("id"))
			term := p.waitFor(10*time.Second, "call", "id", est.Str("id"), "state", "terminated")
			if term.Int("code") == 603 {
				t.Errorf("terminated with 603: %s", term.Raw)
			}
			p.stop()
		case "quit":
			p.stop() // quit; checks exit status 0 within 10 s
		case "SIGTERM":
			p.terminate(syscall.SIGTERM)
		}
		r := <-res
		r.expectOK(t, 1)
		if r.Line != "" && countOf(r.Responses(), 200) < 1 {
			t.Errorf("%s: no 200 to the INVITE: %v", how, r.Responses())
		}
	}
}

// TestHeadlessCommandErrors: commands that cannot be carried out answer with an error event
// (and the phone carries on); calls/accounts answer with their count events.
func TestHeadlessCommandErrors(t *testing.T) {
	p := startPhone(t, "--listen", phoneAddr(5089), "--audio", "null")
	for _, cmd := range []string{"answer c99", "hangup c42", "hold", "reject c7 486", "frobnicate", "dial"} {
		e := p.query(cmd, "error", 5*time.Second)
		if e.Str("event") != "error" || e.Str("message") == "" {
			t.Errorf("%q: %s, want an error event with a message", cmd, e.Raw)
		}
	}
	if e := p.query("calls", "calls", 5*time.Second); e.Str("event") != "calls" || e.Int("count") != 0 {
		t.Errorf("calls: %s, want count 0", e.Raw)
	}
	if e := p.query("accounts", "accounts", 5*time.Second); e.Str("event") != "accounts" || e.Int("count") < 0 {
		t.Errorf("accounts: %s, want an accounts event with a count", e.Raw)
	}
}
