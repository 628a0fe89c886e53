package phone

import (
	"context"
	"time"

	"github.com/sipterm/sipterm/audio"
)

// Tones play on the sound device, not into a call's RTP: ring for an incoming call (the
// call-waiting tone when another call is live), ringback while an outgoing call rings without
// early media, busy or congestion for a moment after a failed call. Only with Options.Tones
// (the TUI); the headless phone stays silent.

// playFor plays plan for call c until the call stops its tones or ends.
func (p *Phone) playFor(c *Call, plan audio.TonePlan) {
	if !p.tones {
		return
	}
	ctx, cancel := context.WithCancel(c.ctx) // ends with the call at the latest
	c.mu.Lock()
	if c.info.State == StateTerminated || c.mediaOn {
		c.mu.Unlock()
		cancel()
		return
	}
	old := c.stopTone
	c.stopTone = cancel
	c.mu.Unlock()
	if old != nil {
		old()
	}
	c.goCall("tone "+plan.Name, func() {
		if err := audio.PlayTone(ctx, p.dev, plan); err != nil {
			c.log.Warn("tone", "tone", plan.Name, "error", err)
		}
	})
}

// startRinging plays the ring tone, or the call-waiting tone when another call is live.
func (p *Phone) startRinging(c *Call) {
	if !p.tones {
		return // headless: no scan of the registry for a tone nobody plays
	}
	plan := audio.RingTone
	if p.otherAnswered(c) {
		plan = audio.CallWaitingTone
	}
	p.playFor(c, plan)
}

// startRingback plays ringback while an outgoing call rings.
func (p *Phone) startRingback(c *Call) { p.playFor(c, audio.RingbackTone) }

// playFailureTone plays busy (486/600) or congestion (anything else) for three seconds.
func (p *Phone) playFailureTone(code int) {
	if !p.tones || p.ctx == nil {
		return
	}
	plan := audio.CongestionTone
	if code == 486 || code == 600 {
		plan = audio.BusyTone
	}
	ctx, cancel := context.WithTimeout(p.ctx, 3*time.Second)
	p.goPhone("tone "+plan.Name, func() {
		defer cancel()
		_ = audio.PlayTone(ctx, p.dev, plan)
	})
}

// playDTMFFeedback plays the digits' own tones locally, so a person hears what they sent.
func (p *Phone) playDTMFFeedback(digits string) {
	if !p.tones {
		return
	}
	p.goPhone("DTMF feedback", func() {
		for _, d := range digits {
			plan, err := audio.DTMFTone(d)
			if err != nil {
				continue
			}
			_ = audio.PlayTone(p.ctx, p.dev, plan)
		}
	})
}
