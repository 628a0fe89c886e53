package phone

import (
	"fmt"
	"net/netip"
	"time"

	"github.com/pion/rtcp"
)

// One-way audio seen from the peer's side: its RTCP receiver reports (in RR or SR) tell what it
// receives of our stream. We send, and its reports name no block for our SSRC, or the block's
// extended highest sequence number stands still, or it reports losing (nearly) everything.

// rrLossAll: a fraction lost (/256) this high reads as "nothing arrives" (95 %).
const rrLossAll = 243

// rrStuckAfter: the peer's highest sequence stood still while we sent at least this many packets.
const rrStuckAfter = 25

// outState is what we send and what the peer's last report said of it.
type outState struct {
	ssrc     uint32
	haveSSRC bool
	to       netip.AddrPort
	count    int       // RTP packets we sent
	last     time.Time // the last one
	rrSeq    uint32    // extended highest sequence in the peer's last block for us
	rrCount  int       // count when that block came
	haveRR   bool
}

// sent notes one RTP packet of ours.
func (o *outState) sent(p docPacket) {
	ssrc := uint32(p.data[8])<<24 | uint32(p.data[9])<<16 | uint32(p.data[10])<<8 | uint32(p.data[11])
	if o.haveSSRC && ssrc != o.ssrc {
		o.haveRR = false
	}
	o.ssrc, o.haveSSRC, o.to = ssrc, true, p.remote
	o.count++
	o.last = p.t
}

// checkRTCP reads an RTCP datagram. Only the peer's reports count (not ours: p.out), and only
// while we are sending and have been for oneWayAfter (its first report may predate our RTP).
func checkRTCP(exp docExpect, st *docState, p docPacket) []finding {
	o := &st.out
	if p.out || exp.srtp || !o.haveSSRC || p.t.Sub(st.firstSent) < oneWayAfter || p.t.Sub(o.last) > time.Second {
		return nil
	}
	pkts, err := rtcp.Unmarshal(p.data)
	if err != nil {
		return nil
	}
	for _, pk := range pkts {
		var blocks []rtcp.ReceptionReport
		switch r := pk.(type) {
		case *rtcp.ReceiverReport:
			blocks = r.Reports
		case *rtcp.SenderReport:
			blocks = r.Reports
		default:
			continue
		}
		if why := o.judge(blocks); why != "" {
			return []finding{{"one_way", fmt.Sprintf(
				"one-way audio: the peer's RTCP reports say our RTP does not reach it (%s) although we have sent %d packets to %s for %.0f s; check the NAT/firewall in front of the peer and our SDP's c=/m= address",
				why, o.count, o.to, p.t.Sub(st.firstSent).Seconds()), "out"}}
		}
	}
	return nil
}

// judge says why a report's blocks show that our stream does not arrive ("" if they don't).
func (o *outState) judge(blocks []rtcp.ReceptionReport) string {
	for _, b := range blocks {
		if b.SSRC != o.ssrc {
			continue
		}
		seq, count, had := o.rrSeq, o.rrCount, o.haveRR
		o.rrSeq, o.rrCount, o.haveRR = b.LastSequenceNumber, o.count, true
		switch {
		case b.FractionLost >= rrLossAll:
			return fmt.Sprintf("it lost %d %% of them", int(b.FractionLost)*100/256)
		case had && b.LastSequenceNumber == seq && o.count-count >= rrStuckAfter:
			return fmt.Sprintf("its highest sequence number stays at %d while we sent %d more", seq, o.count-count)
		}
		return ""
	}
	return fmt.Sprintf("no report block for our SSRC %08x", o.ssrc)
}
