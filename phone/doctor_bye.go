package phone

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/sipterm/sipterm/phone/media"
)

// RTP after BYE: when a call ends, its RTP socket stays open for byeLinger, and what the peer
// still sends to it is counted. Packets within byeGrace were in flight when the BYE crossed
// them; later ones mean the peer (or a relay) did not stop its stream.
const (
	byeLinger = 2 * time.Second
	byeGrace  = 500 * time.Millisecond
)

// lateState counts what arrived after the call ended.
type lateState struct {
	count       int
	from        netip.AddrPort
	first, last time.Duration
	dropped     int // more that the kernel could not queue: count is a lower bound
}

// lingerFor is the media session's linger for this call's doctor.
func (d *doctor) lingerFor() media.Linger {
	return media.Linger{For: byeLinger, Ctx: d.p.ctx, WG: &d.p.capWG, Late: d.late, Dropped: d.lingerDropped, Done: d.lingerDone}
}

// late takes one datagram that reached the closed call's RTP port.
func (d *doctor) late(since time.Duration, from netip.AddrPort, data []byte) {
	if since < byeGrace || len(data) < 12 || data[0]>>6 != 2 || (data[1] >= 192 && data[1] <= 223) {
		return // in flight at BYE, not RTP, or RTCP (its BYE may well come late)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	l := &d.after
	if l.count == 0 {
		l.from, l.first = from, since
	}
	l.count++
	l.last = since
}

// lingerDropped takes how many datagrams the kernel dropped while the socket lingered.
func (d *doctor) lingerDropped(n int) {
	d.mu.Lock()
	d.after.dropped += n
	d.mu.Unlock()
}

// lingerDone reports what the linger counted.
func (d *doctor) lingerDone() {
	d.mu.Lock()
	l := d.after
	d.mu.Unlock()
	if f, ok := afterBye(l); ok {
		d.report([]finding{f})
	}
}

// afterBye is the finding for what arrived after the call ended, if anything did.
func afterBye(l lateState) (finding, bool) {
	if l.count == 0 {
		return finding{}, false
	}
	count := fmt.Sprintf("%d packets", l.count)
	if l.dropped > 0 {
		count = fmt.Sprintf("at least %d packets (%d more overflowed the socket's queue)", l.count, l.dropped)
	}
	return finding{"rtp_after_bye", fmt.Sprintf(
		"RTP kept coming after the call ended: %s from %s, %.1f to %.1f s after BYE; the peer (or a media relay) does not stop its stream on BYE; check its call teardown",
		count, l.from, l.first.Seconds(), l.last.Seconds()), ""}, true
}
