package ui

import (
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

func TestSparkline(t *testing.T) {
	for _, tt := range []struct {
		vals []float64
		top  float64
		want string
	}{
		{nil, 10, ""},
		{[]float64{0, 5, 10, 20}, 10, "▁▄██"},
		{[]float64{3}, 0, "▁"},
		{[]float64{-1}, 10, "▁"},
	} {
		if got := sparkline(tt.vals, tt.top); got != tt.want {
			t.Errorf("sparkline(%v, %v) = %q, want %q", tt.vals, tt.top, got, tt.want)
		}
	}
}

// TestQualitySample: one sample a second, loss per second from the counters, 60 kept.
func TestQualitySample(t *testing.T) {
	var q qualityState
	t0 := time.Unix(0, 0)
	q.sample(t0, phone.MediaStats{PacketsReceived: 50, JitterMs: 2})
	q.sample(t0.Add(500*time.Millisecond), phone.MediaStats{PacketsReceived: 75}) // too soon
	q.sample(t0.Add(time.Second), phone.MediaStats{PacketsReceived: 95, PacketsLost: 5, JitterMs: 4})
	if len(q.samples) != 2 || q.samples[1].lossPct != 10 || q.samples[1].jitterMs != 4 {
		t.Fatalf("samples %+v", q.samples)
	}
	for i := 2; i < 100; i++ {
		q.sample(t0.Add(time.Duration(i)*time.Second), phone.MediaStats{PacketsReceived: uint64(95 + 50*i), PacketsLost: 5})
	}
	if len(q.samples) != qualityHistory {
		t.Fatalf("%d samples kept, want %d", len(q.samples), qualityHistory)
	}
}

// TestQualityPane: i shows both directions' figures and MOS, i again the ladder.
func TestQualityPane(t *testing.T) {
	h := start(t, 100, 30, Options{}, nil)
	h.core.publish(phone.EventCall{Call: established("c1", "sip:bob@example.org")},
		phone.EventStats{ID: "c1", Stats: phone.MediaStats{PacketsReceived: 100, PacketsSent: 100, LossPercent: 1.5,
			RemoteLossPercent: 3, JitterMs: 4, RemoteJitterMs: 7.5, RTTMs: 40, MOS: 4.2, RemoteMOS: 3.9}})
	h.waitText("sip:bob@example.org")
	h.key(tcell.KeyRune, 'i')
	h.waitFor("the quality pane", func(s string) bool {
		return strings.Contains(s, "we receive     loss   1.5%  jitter   4.0 ms") && strings.Contains(s, "MOS 4.2") &&
			strings.Contains(s, "peer receives  loss   3.0%  jitter   7.5 ms") && strings.Contains(s, "MOS 3.9") &&
			strings.Contains(s, "rtt 40 ms")
	})
	h.key(tcell.KeyRune, 'i')
	h.waitFor("the ladder again", func(s string) bool { return !strings.Contains(s, "peer receives") })
}
