package main

// Opus's encoder policy end to end (issue 9): SILK/hybrid with in-band FEC once the peer's RTCP
// reports loss (the way back to CELT after clean reports is TestOpusCoderFollowsLoss's: it
// takes three more report intervals, ~15 s). Two phones in the namespaces of .ci/lab/netns.sh
// (root), the link impaired only while the call is up (SIP retransmissions would only slow the
// set-up). Ports 5480-5481.

import (
	"path/filepath"
	"testing"
	"time"
)

func TestOpusLossSwitchesToFEC(t *testing.T) {
	needTools(t, "sox")
	start := time.Now()
	defer func() { t.Logf("took %v", time.Since(start)) }()
	l := lab(t)
	n := newLossNet(t, l)
	nsA := n.must(t, "name", "A")
	t.Logf("step: %v: namespaces up", time.Since(start))
	tone := filepath.Join(t.TempDir(), "tone1k.wav")
	makeToneAt(t, tone, 48000, 1000, 60)
	b := startPhoneIn(t, []string{"ip", "netns", "exec", n.nsB}, nil, "--listen", n.B+":5480",
		"--auto-answer", "0s", "--audio", "file", "--play", tone, "--control", "none")
	a := startPhoneIn(t, []string{"ip", "netns", "exec", nsA}, nil, "--listen", n.A+":5481",
		"--audio", "file", "--play", tone, "--control", "none")

	t.Logf("step: %v: phones up", time.Since(start))
	a.Send("dial sip:sipterm@" + n.B + ":5480")
	id := a.waitFor(15*time.Second, "call", "state", "established").Str("id")
	if m := a.waitFor(5*time.Second, "media", "id", id); m.Str("codec") != "opus" {
		t.Fatalf("media codec %q, want opus: %s", m.Str("codec"), m.Raw)
	}

	t.Logf("step: %v: 10 %% loss both ways: each side's reports make the other send FEC", time.Since(start))
	n.must(t, "impair", "LOSS=10%")
	// a report every 2.5-7.5 s (RFC 3550's randomised 5 s): the first one over a lossy interval
	for _, p := range []*Phone{a, b} {
		if err := waitFileContains(p.errLog, "of our packets: sending SILK/hybrid with in-band FEC", 20*time.Second); err != nil {
			t.Fatalf("no switch to FEC: %v", err)
		}
	}

	t.Logf("step: %v: both send FEC", time.Since(start))
	a.Send("hangup " + id)
	a.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
}
