package phone

import (
	"context"
	"net/netip"
	"time"
)

// mapRTP puts the public address of the call's RTP socket, as the account's STUN server sees
// it, into our SDP (c= and m=), so a peer outside our NAT can send media to us. Without an answer
// the call goes on with the local address (symmetric RTP on the far side may still latch).
func (c *Call) mapRTP() {
	server := c.acct.cfg.StunServer
	if server == "" || c.media == nil {
		return
	}
	ctx, cancel := context.WithTimeout(c.p.ctx, 2*time.Second)
	defer cancel()
	ap, err := c.media.MapRTP(ctx, server)
	if err != nil {
		c.log.Warn("STUN: keeping the local RTP address", "server", server, "error", err)
		return
	}
	c.log.Info("STUN: public RTP address", "server", server, "local", c.media.LocalAddr().String(), "public", ap.String())
	c.local.IP = ap.Addr()
	c.local.Port = int(ap.Port())
}

// openPinhole, for an account behind a NAT (it has a STUN server), opens our NAT toward the
// peer's RTP address before the peer's media can arrive.
func (c *Call) openPinhole(remote netip.AddrPort) {
	if c.acct.cfg.StunServer == "" || c.media == nil {
		return
	}
	if err := c.media.OpenPinhole(remote); err != nil {
		c.log.Warn("media", "error", err)
	}
}
