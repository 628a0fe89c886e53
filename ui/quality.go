package ui

import (
	"fmt"
	"strings"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

// The quality pane (key i, in the call pane): both directions' figures and a 60-second history.

const qualityHistory = 60 // one sample a second

// qSample is one second of the receive direction.
type qSample struct {
	lossPct, jitterMs float64
}

// qualityState is a call's history for the sparklines.
type qualityState struct {
	samples        []qSample
	last           time.Time
	lost, received int64
	live           qStream // codec, ptime, SSRC, talkspurts (quality_stream.go)
}

// sample adds a second's figures (per-second loss from the counters' deltas).
func (q *qualityState) sample(now time.Time, s phone.MediaStats) {
	if !q.last.IsZero() && now.Sub(q.last) < time.Second {
		return
	}
	dLost, dRecv := s.PacketsLost-q.lost, int64(s.PacketsReceived)-q.received
	var loss float64
	if dLost > 0 && dLost+dRecv > 0 {
		loss = float64(dLost) * 100 / float64(dLost+dRecv)
	}
	q.lost, q.received, q.last = s.PacketsLost, int64(s.PacketsReceived), now
	q.samples = append(q.samples, qSample{loss, s.JitterMs})
	if len(q.samples) > qualityHistory {
		q.samples = q.samples[len(q.samples)-qualityHistory:]
	}
}

// sparkline draws values scaled to top (values above are drawn full).
func sparkline(vals []float64, top float64) string {
	const bars = "▁▂▃▄▅▆▇█"
	r := []rune(bars)
	var sb strings.Builder
	for _, v := range vals {
		i := 0
		if top > 0 {
			i = int(v / top * float64(len(r)-1))
		}
		sb.WriteRune(r[min(max(i, 0), len(r)-1)])
	}
	return sb.String()
}

// qualityLines is the pane's body for a call, in room lines when it can: the stream's change
// lines and the footnote give way first.
func (u *UI) qualityLines(c *callEntry, w, room int) []string {
	s := c.info.Stats
	mos := func(m float64) string {
		if m == 0 {
			return "-"
		}
		return fmt.Sprintf("%.1f", m)
	}
	lines := []string{
		u.th.tag(u.th.title) + "quality (i: ladder)" + u.th.reset() + "  codec " + orDash(c.info.Codec) + fmt.Sprintf("  rtt %.0f ms", s.RTTMs),
		fmt.Sprintf("we receive     loss %5.1f%%  jitter %5.1f ms  buffer %3.0f ms  MOS %s", s.LossPercent, s.JitterMs, s.JitterBufferMs, mos(s.MOS)),
		fmt.Sprintf("peer receives  loss %5.1f%%  jitter %5.1f ms  (its RTCP reports)  MOS %s", s.RemoteLossPercent, s.RemoteJitterMs, mos(s.RemoteMOS)),
	}
	live := c.q.live.lines(u.loc, w)
	lines = append(lines, live[0])
	n := min(len(c.q.samples), max(w-20, 10))
	recent := c.q.samples[len(c.q.samples)-n:]
	loss, jit := make([]float64, n), make([]float64, n)
	topJ := 20.0
	for i, q := range recent {
		loss[i], jit[i] = q.lossPct, q.jitterMs
		topJ = max(topJ, q.jitterMs)
	}
	lines = append(lines,
		fmt.Sprintf("loss   0-10%%  %s", u.th.tag(u.th.warn)+sparkline(loss, 10)+u.th.reset()),
		fmt.Sprintf("jitter 0-%.0fms %s", topJ, u.th.tag(u.th.ok)+sparkline(jit, topJ)+u.th.reset()))
	changes := live[1:]
	foot := u.th.tag(u.th.dim) + fmt.Sprintf("last %d s, one mark a second; MOS: ITU-T G.107 E-model simplified (G.711 with PLC)", n) + u.th.reset()
	if len(lines)+len(changes)+1 <= room {
		lines = append(lines, foot)
	}
	keep := min(len(changes), max(room-len(lines), 0))
	return append(lines, changes[len(changes)-keep:]...)
}

func (u *UI) qualityToggle(*tcell.EventKey) {
	u.v.detail.quality = !u.v.detail.quality
	u.v.detail.back = 0
	u.renderDetail()
}
