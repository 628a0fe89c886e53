package phone

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"

	"github.com/emiago/sipgo"
)

// newClients makes the two SIP clients. sipgo's UDP transport sends a request from the
// listening socket only when it already received something from that destination; otherwise
// it binds a fresh ephemeral port (so the first REGISTER and every outgoing INVITE left from a
// random port, and NATs and firewalls dropped the replies). Pinning the client's connection
// address to the listener makes every UDP request use the listening socket. A stream
// transport cannot dial from its listening port, so TCP gets a client without the pin.
func (p *Phone) newClients(ua *sipgo.UserAgent) (udp, stream *sipgo.Client, err error) {
	common := []sipgo.ClientOption{
		sipgo.WithClientHostname(p.host), sipgo.WithClientPort(p.port),
		sipgo.WithClientNAT(), // ;rport in every Via we add (RFC 3581): answers come back through a NAT
		sipgo.WithClientLogger(p.log.With("lib", "sipgo")),
	}
	udp, err = sipgo.NewClient(ua, append(common,
		sipgo.WithClientConnectionAddr(p.udpConn.LocalAddr().String()))...)
	if err != nil {
		return nil, nil, fmt.Errorf("creating SIP client (UDP): %w", err)
	}
	stream, err = sipgo.NewClient(ua, common...)
	if err != nil {
		return nil, nil, fmt.Errorf("creating SIP client (TCP): %w", err)
	}
	return udp, stream, nil
}

// clientFor picks the client for a transport name ("" and "udp" in any case: UDP).
func (p *Phone) clientFor(transport string) *sipgo.Client {
	if transport == "" || strings.EqualFold(transport, "udp") {
		return p.cli
	}
	return p.cliStream
}

// servingConn tells when sipgo serves the UDP listener: its reader's first ReadFrom comes
// after the listener is in the transport's connection pool, which the pinned client needs
// before the first request (else sipgo would try to bind the listening port again).
type servingConn struct {
	net.PacketConn
	once    sync.Once
	serving chan struct{}
}

func newServingConn(c net.PacketConn) *servingConn {
	return &servingConn{PacketConn: c, serving: make(chan struct{})}
}

func (c *servingConn) ReadFrom(b []byte) (int, net.Addr, error) {
	c.once.Do(func() { close(c.serving) })
	return c.PacketConn.ReadFrom(b)
}

// serveUDP starts sipgo on the UDP listener and returns once it is serving.
func (p *Phone) serveUDP(ctx context.Context, conn net.PacketConn) error {
	sc := newServingConn(conn)
	p.goPhone("serve udp", func() { _ = p.srv.ServeUDP(sc) })
	select {
	case <-sc.serving:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("starting the SIP UDP listener: %w", ctx.Err())
	}
}
