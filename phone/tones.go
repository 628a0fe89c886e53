package phone

// startRinging plays the ring tone (or the call-waiting tone when another call is live) for an
// incoming call, until it is answered or ends.
func (p *Phone) startRinging(c *Call) {}

// startRingback plays ringback while an outgoing call rings without early media.
func (p *Phone) startRingback(c *Call) {}

// playFailureTone plays busy or congestion briefly after a failed outgoing call.
func (p *Phone) playFailureTone(code int) {}
