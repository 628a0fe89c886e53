package phone

import (
	"fmt"
	"net/netip"

	"github.com/sipterm/sipterm/phone/media"
	"github.com/sipterm/sipterm/phone/sdp"
)

// dialEcho connects a call to the built-in echo endpoint: a media session inside the phone that
// sends back what it receives after a short delay. It uses the same RTP/G.711 path (and the
// real sound device) as any call, so a new user checks microphone, speaker and media with no
// other phone. There is no SIP dialog: the call is established at once.
func (p *Phone) dialEcho(acct *Account) (string, error) {
	c := p.newCall(acct, DirOut, "", "echo", acct.cfg.AORURI.String())
	if err := c.newMedia(); err != nil {
		return "", err
	}
	// The echo listens where the call's RTP is bound (loopback when that is 0.0.0.0).
	loop := c.media.LocalAddr().Addr()
	if loop.IsUnspecified() {
		loop = netip.MustParseAddr("127.0.0.1")
	}
	echo, err := media.NewEchoSession(media.Config{
		LocalIP: loop, PortMin: p.cfg.RTPPortMin, PortMax: p.cfg.RTPPortMax, Logger: c.log.With("side", "echo"),
	}, media.DefaultEchoDelay)
	if err != nil {
		c.media.Close()
		return "", fmt.Errorf("starting the echo endpoint: %w", err)
	}
	c.echo = echo
	if err := p.register(c); err != nil {
		c.media.Close()
		echo.Close()
		return "", err
	}
	p.publish(EventCall{Call: c.Info()})
	codec := media.Codec{PT: sdp.PCMU.PT, Name: sdp.PCMU.Name, ClockRate: sdp.PCMU.Rate}
	callAddr := netip.AddrPortFrom(loop, c.media.LocalAddr().Port())
	if err := echo.Start(media.Params{Remote: callAddr, Codec: codec, DTMFPT: sdp.DefaultDTMFPT, Direction: media.SendRecv}); err != nil {
		c.finish(500, fmt.Sprintf("echo endpoint: %v", err))
		return "", err
	}
	neg := sdp.Negotiated{
		Remote: netip.AddrPortFrom(loop, echo.LocalAddr().Port()), Codec: sdp.PCMU, DTMFPT: sdp.DefaultDTMFPT,
		Direction: sdp.SendRecv, RemoteDir: sdp.SendRecv, Ptime: 20,
	}
	if err := c.applyMedia(neg); err != nil {
		c.finish(500, fmt.Sprintf("echo media: %v", err))
		return "", err
	}
	c.setState(StateEstablished, 200, "echo test: what you say comes back after 200 ms")
	return c.id, nil
}
