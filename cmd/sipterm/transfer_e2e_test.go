package main

// Transfers (RFC 3515 REFER, RFC 3891 Replaces) between the phone, baresip and a second
// phone. Ports: phones 5160/5161, baresip 5162/5164/5166 (ctrl 35162/35164/35166).

import (
	"path/filepath"
	"sort"
	"strings"
	"testing"
	"time"
)

// xferPhoneConfig is a direct-IP account with the given refer_policy.
func xferPhoneConfig(t *testing.T, port int, policy string) string {
	t.Helper()
	return writeFile(t, t.TempDir(), "sipterm.toml", `# e2e transfer
audio = "null"

[[accounts]]
name = "local"
aor  = "sip:sipterm@127.0.0.1"
refer_policy = "`+policy+`"
`)
}

// newestWav waits (bounded) for baresip's newest received-audio recording to hold hz: baresip
// writes the WAV header when the call has ended.
func newestWav(t *testing.T, l *Lab, peer Peer, hz int) {
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
		t.Errorf("%s's recording does not hold %d Hz: %s", peer.Name, hz, out)
	} else {
		t.Logf("%s rec: %s", peer.Name, out)
	}
}

// TestTransferBaresipTransfersPhone: the phone calls baresip A, A transfers it (blind) to
// baresip C. The phone accepts the REFER, calls C (a normal outgoing call), reports by NOTIFY,
// and ends the call with A as "transferred"; C hears the phone's tone.
func TestTransferBaresipTransfersPhone(t *testing.T) {
	needTools(t, "baresip", "sox")
	l := lab(t)
	a := l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=1000"}, "baresip.sh", "5162")
	c := l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=700"}, "baresip.sh", "5164")
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone440.wav")
	makeTone(t, tone, 440, 10)
	p := startPhone(t, "--config", xferPhoneConfig(t, 5160, "accept"), "--listen", phoneAddr(5160),
		"--audio", "file", "--play", tone, "--record", filepath.Join(dir, "rec.wav"))

	p.Send("dial sip:baresip@127.0.0.1:5162")
	old := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	out, rc := l.baresipCtl(portOf(a.KV["ctrl"]), "transfer sip:baresip@127.0.0.1:5164", "", 5*time.Second)
	if rc != 0 {
		t.Fatalf("baresip transfer: rc=%d %s", rc, out)
	}
	acc := p.waitFor(10*time.Second, "transfer", "id", old, "direction", "in", "state", "accepted")
	if acc.Str("target") != "sip:baresip@127.0.0.1:5164" {
		t.Errorf("transfer target: %s", acc.Raw)
	}
	nid := acc.Str("new_id")
	p.waitFor(15*time.Second, "call", "id", nid, "state", "established")
	p.waitFor(10*time.Second, "transfer", "id", old, "direction", "in", "state", "succeeded")
	term := p.waitFor(10*time.Second, "call", "id", old, "state", "terminated")
	if term.Str("reason") != "transferred" {
		t.Errorf("the transferred call: reason %q, want transferred: %s", term.Str("reason"), term.Raw)
	}
	time.Sleep(2 * time.Second) // audio with the target
	p.Send("hangup " + nid)
	p.waitFor(10*time.Second, "call", "id", nid, "state", "terminated")
	if err := waitFileContains(p.trace, "message/sipfrag", 5*time.Second); err != nil {
		t.Errorf("no sipfrag NOTIFY in the trace: %v", err)
	}
	p.noEvent("error", ev("error"))
	newestWav(t, l, c, 440)
}

// TestTransferPhoneTransfersBaresip: the phone calls baresip A and transfers it (blind) to
// baresip C. The call stays up until A's NOTIFY says C answered, then ends as "transferred";
// C hears A's tone. A transfer to a target that does not exist fails and leaves the call up.
func TestTransferPhoneTransfersBaresip(t *testing.T) {
	needTools(t, "baresip", "sox")
	l := lab(t)
	l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=1000"}, "baresip.sh", "5162")
	c := l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=700"}, "baresip.sh", "5164")
	p := startPhone(t, "--config", xferPhoneConfig(t, 5160, "accept"), "--listen", phoneAddr(5160))

	p.Send("dial sip:baresip@127.0.0.1:5162")
	id := p.waitFor(15*time.Second, "call", "state", "established").Str("id")

	t.Log("step: a transfer to a TCP port where nobody listens fails; the call stays")
	p.Send("transfer " + id + " sip:nobody@127.0.0.1:5169;transport=tcp")
	p.waitFor(5*time.Second, "transfer", "id", id, "direction", "out", "state", "trying")
	f := p.waitFor(45*time.Second, "transfer", "id", id, "direction", "out", "state", "failed")
	if f.Int("code") < 300 {
		t.Errorf("failed transfer: code %d, want >= 300: %s", f.Int("code"), f.Raw)
	}
	// the blind transfer held the call first; its failure takes it off hold again
	p.waitFor(5*time.Second, "call", "id", id, "state", "held", "reason", "held locally")
	p.waitFor(10*time.Second, "call", "id", id, "state", "established", "reason", "resumed")
	if calls := p.query("calls", "calls", 5*time.Second); calls.Int("count") != 1 {
		t.Errorf("after the failed transfer: %s, want the call still up", calls.Raw)
	}

	t.Log("step: the transfer to baresip C")
	p.Mark()
	p.Send("transfer " + id + " sip:baresip@127.0.0.1:5164")
	p.waitFor(5*time.Second, "transfer", "id", id, "direction", "out", "state", "accepted")
	s := p.waitFor(20*time.Second, "transfer", "id", id, "direction", "out", "state", "succeeded")
	if s.Int("code") != 200 {
		t.Errorf("succeeded transfer: code %d, want 200: %s", s.Int("code"), s.Raw)
	}
	term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if term.Str("reason") != "transferred" {
		t.Errorf("the transferred call: reason %q, want transferred: %s", term.Str("reason"), term.Raw)
	}
	time.Sleep(2 * time.Second) // A and C talk
	out, rc := l.baresipCtl(portOf(c.KV["ctrl"]), "hangup", "CALL_CLOSED", 10*time.Second)
	if rc != 0 {
		t.Errorf("C's hangup: rc=%d %s", rc, out)
	}
	p.noEvent("error", ev("error"))
	newestWav(t, l, c, 1000)
}

// TestTransferAttendedPhoneTransfersBaresip: the phone calls baresip A, holds it, calls a
// second phone Q (the consultation call) and joins them: `attended` sends A a REFER whose
// Refer-To names Q with Replaces. A calls Q; both of the phone's calls end as transferred,
// and A hears Q's tone.
func TestTransferAttendedPhoneTransfersBaresip(t *testing.T) {
	needTools(t, "baresip", "sox")
	l := lab(t)
	a := l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=1000"}, "baresip.sh", "5162")
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone700.wav")
	makeTone(t, tone, 700, 20)
	q := startPhone(t, "--config", xferPhoneConfig(t, 5161, "accept"), "--listen", phoneAddr(5161), "--auto-answer", "0s",
		"--audio", "file", "--play", tone, "--record", filepath.Join(dir, "q.wav"))
	p := startPhone(t, "--config", xferPhoneConfig(t, 5160, "accept"), "--listen", phoneAddr(5160))

	p.Send("dial sip:baresip@127.0.0.1:5162")
	ca := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	p.Send("hold " + ca)
	p.waitFor(10*time.Second, "call", "id", ca, "state", "held")
	p.Mark()
	p.Send("dial sip:sipterm@127.0.0.1:5161")
	cb := p.waitFor(5*time.Second, "dialing").Str("id")
	p.waitFor(15*time.Second, "call", "id", cb, "state", "established")
	qOld := q.waitFor(5*time.Second, "call", "state", "established").Str("id")

	p.Send("attended " + ca + " " + cb)
	acc := p.waitFor(5*time.Second, "transfer", "id", ca, "direction", "out", "state", "accepted")
	if acc.Str("attended") != "true" || !strings.HasPrefix(acc.Str("target"), "sip:sipterm@127.0.0.1:5161") {
		t.Errorf("attended transfer event: %s", acc.Raw)
	}
	p.waitFor(20*time.Second, "transfer", "id", ca, "direction", "out", "state", "succeeded")
	for _, id := range []string{ca, cb} {
		term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
		if term.Str("reason") != "transferred" {
			t.Errorf("call %s: reason %q, want transferred: %s", id, term.Str("reason"), term.Raw)
		}
	}
	// Q: the call from A is up, the consultation call with the phone has ended
	qNew := q.waitFor(10*time.Second, "call", "direction", "in", "state", "established", "remote", "sip:baresip@127.0.0.1:5162")
	q.waitFor(10*time.Second, "call", "id", qOld, "state", "terminated")
	time.Sleep(2 * time.Second) // A and Q talk
	q.Send("hangup " + qNew.Str("id"))
	q.waitFor(10*time.Second, "call", "id", qNew.Str("id"), "state", "terminated")
	p.noEvent("error", ev("error"))
	q.noEvent("error", ev("error"))
	newestWav(t, l, a, 700)
}

// TestTransferAttendedReplaces: three phones. P calls T (refer_policy = ask) and Q
// (refer_policy = reject: a blind transfer of Q is refused with 603), and joins them with
// `attended`. T asks its user: declined first (P's transfer fails with 603 and
// both calls stay), then accepted: T calls Q with Replaces, Q answers it by itself and ends
// its call with P as "replaced"; P's calls end as "transferred"; T hears Q's tone. Last, a
// SIPp INVITE whose Replaces names no call of Q's gets 481.
func TestTransferAttendedReplaces(t *testing.T) {
	needTools(t, "sox", "sipp")
	l := lab(t)
	dir := t.TempDir()
	t440, t700 := filepath.Join(dir, "t440.wav"), filepath.Join(dir, "t700.wav")
	makeTone(t, t440, 440, 20)
	makeTone(t, t700, 700, 20)
	tRec := filepath.Join(dir, "t.wav")
	tp := startPhone(t, "--config", xferPhoneConfig(t, 5161, "ask"), "--listen", phoneAddr(5161), "--auto-answer", "0s",
		"--audio", "file", "--play", t440, "--record", tRec)
	q := startPhone(t, "--config", xferPhoneConfig(t, 5162, "reject"), "--listen", phoneAddr(5162), "--auto-answer", "0s",
		"--audio", "file", "--play", t700, "--record", filepath.Join(dir, "q.wav"))
	p := startPhone(t, "--config", xferPhoneConfig(t, 5160, "accept"), "--listen", phoneAddr(5160))

	p.Send("dial sip:sipterm@127.0.0.1:5161")
	ca := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	tOld := tp.waitFor(5*time.Second, "call", "state", "established").Str("id")
	p.Send("hold " + ca)
	p.waitFor(10*time.Second, "call", "id", ca, "state", "held")
	p.Mark()
	p.Send("dial sip:sipterm@127.0.0.1:5162")
	cb := p.waitFor(5*time.Second, "dialing").Str("id")
	p.waitFor(15*time.Second, "call", "id", cb, "state", "established")
	qOld := q.waitFor(5*time.Second, "call", "state", "established").Str("id")

	t.Log("step: Q's refer_policy is reject: P's blind transfer of Q fails with 603, the call stays")
	p.Send("transfer " + cb + " sip:nobody@127.0.0.1:5169")
	if f := p.waitFor(10*time.Second, "transfer", "id", cb, "direction", "out", "state", "failed"); f.Int("code") != 603 {
		t.Errorf("transfer refused by refer_policy = reject: code %d, want 603: %s", f.Int("code"), f.Raw)
	}
	if f := q.waitFor(5*time.Second, "transfer", "id", qOld, "direction", "in", "state", "failed"); f.Int("code") != 603 {
		t.Errorf("Q's transfer event: code %d, want 603: %s", f.Int("code"), f.Raw)
	}
	// the blind transfer held the call first: its failure takes it off hold, on both sides
	p.waitFor(10*time.Second, "call", "id", cb, "state", "established", "reason", "resumed")
	q.waitFor(10*time.Second, "call", "id", qOld, "state", "held")
	q.waitFor(10*time.Second, "call", "id", qOld, "state", "established")

	t.Log("step: T declines the transfer")
	p.Send("attended")
	asked := tp.waitFor(5*time.Second, "transfer", "id", tOld, "direction", "in", "state", "asked")
	if asked.Str("attended") != "true" {
		t.Errorf("asked event: want attended: %s", asked.Raw)
	}
	tp.Send("transfer-decline")
	f := p.waitFor(10*time.Second, "transfer", "id", ca, "direction", "out", "state", "failed")
	if f.Int("code") != 603 {
		t.Errorf("declined transfer: code %d, want 603: %s", f.Int("code"), f.Raw)
	}
	if calls := p.query("calls", "calls", 5*time.Second); calls.Int("count") != 2 {
		t.Errorf("after the declined transfer: %s, want both calls up", calls.Raw)
	}

	t.Log("step: T accepts the transfer")
	p.Mark()
	tp.Mark()
	p.Send("attended " + ca + " " + cb)
	tp.waitFor(5*time.Second, "transfer", "id", tOld, "direction", "in", "state", "asked")
	tp.Send("transfer-accept " + tOld)
	acc := tp.waitFor(5*time.Second, "transfer", "id", tOld, "direction", "in", "state", "accepted")
	tNew := acc.Str("new_id")
	tp.waitFor(10*time.Second, "call", "id", tNew, "state", "established")
	tp.waitFor(10*time.Second, "transfer", "id", tOld, "direction", "in", "state", "succeeded")
	if term := tp.waitFor(10*time.Second, "call", "id", tOld, "state", "terminated"); term.Str("reason") != "transferred" {
		t.Errorf("T's old call: reason %q, want transferred: %s", term.Str("reason"), term.Raw)
	}
	p.waitFor(10*time.Second, "transfer", "id", ca, "direction", "out", "state", "succeeded")
	for _, id := range []string{ca, cb} {
		if term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated"); term.Str("reason") != "transferred" {
			t.Errorf("P's call %s: reason %q, want transferred: %s", id, term.Str("reason"), term.Raw)
		}
	}
	qNew := q.waitFor(10*time.Second, "call", "direction", "in", "state", "established").Str("id")
	if term := q.waitFor(10*time.Second, "call", "id", qOld, "state", "terminated"); term.Str("reason") != "replaced" {
		t.Errorf("Q's call with P: reason %q, want replaced: %s", term.Str("reason"), term.Raw)
	}
	if err := waitFileContains(q.trace, "Replaces: ", 5*time.Second); err != nil {
		t.Errorf("Q's trace has no INVITE with Replaces: %v", err)
	}
	time.Sleep(2 * time.Second) // T and Q talk
	q.Send("hangup " + qNew)
	tp.waitFor(10*time.Second, "call", "id", tNew, "state", "terminated")
	q.waitFor(10*time.Second, "call", "id", qNew, "state", "terminated")
	for _, ph := range []*Phone{p, tp, q} {
		ph.noEvent("error", ev("error"))
	}

	t.Log("step: an INVITE whose Replaces names no call of Q's gets 481, no ringing")
	mark := q.Mark()
	r := l.sipp("uac-replaces-481", "127.0.0.1:5162", "SIPP_PORT=5165")
	r.expectOK(t, 1)
	if term := q.waitFor(5*time.Second, "call", "state", "terminated", "remote", "sip:sipp@127.0.0.1:5165"); term.Int("code") != 481 {
		t.Errorf("Q: the refused replacement: %s, want a terminated event with code 481", term.Raw)
	}
	for _, e := range q.Events() {
		if e.Seq >= mark && ev("call", "state", "incoming")(e) {
			t.Errorf("Q rang for a replacement of no call: %s", e.Raw)
		}
	}

	tp.stop() // the recording is complete once the phone has exited
	// every stream records to its own file: the call to Q is T's second (t-2.wav)
	if out, ok := l.wavcheckTrimmed(strings.TrimSuffix(tRec, ".wav")+"-2.wav", 700); !ok {
		t.Errorf("T's recording does not hold Q's 700 Hz tone: %s", out)
	} else {
		t.Logf("T rec: %s", out)
	}
}
