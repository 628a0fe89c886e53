package phone

import "github.com/emiago/sipgo/sip"

// haltMedia stops RTP the moment we send BYE: the peer must not hear us, nor we it, while the
// BYE is retransmitted. From now on requests in the dialog get 481 (liveCallBySIP).
func (c *Call) haltMedia() {
	c.mu.Lock()
	c.byeSent = true
	m, e, wasOn := c.media, c.echo, c.mediaOn
	c.mediaOn = false
	if m != nil {
		c.info.Stats = toMediaStats(m.Stats())
	}
	info := c.info
	c.mu.Unlock()
	c.stopTones()
	if m != nil {
		m.Close()
	}
	if e != nil {
		e.Close()
	}
	if wasOn {
		c.log.Info("media stop", "why", "BYE sent", "codec", info.Codec, "sent", info.Stats.PacketsSent,
			"received", info.Stats.PacketsReceived, "lost", info.Stats.PacketsLost)
		c.p.publish(EventMediaStop{ID: c.id})
	}
}

// ending: the call has ended, or our BYE is out.
func (c *Call) ending() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.byeSent || c.info.State == StateTerminated
}

// liveCallBySIP is callBySIP for in-dialog requests: a dialog we are ending (BYE sent) is gone
// for the peer too, so its requests get 481 like those of an unknown dialog.
func (p *Phone) liveCallBySIP(req *sip.Request) *Call {
	c := p.callBySIP(req)
	if c == nil || c.ending() {
		return nil
	}
	return c
}
