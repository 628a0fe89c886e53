package phone

import (
	"fmt"
	"math/rand"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/pion/rtcp"
)

// TestCheckRTCPOneWayOut: the peer's receiver reports about our stream (SSRC 1), after we have
// sent for a while.
func TestCheckRTCPOneWayOut(t *testing.T) {
	t0 := time.Unix(1000, 0)
	peer := netip.MustParseAddrPort("192.0.2.10:4000")
	exp := docExpect{remote: peer, pts: []uint8{0}, recv: true}
	rr := func(blocks ...rtcp.ReceptionReport) []byte {
		b, err := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 7, Reports: blocks}})
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	block := func(seq uint32, lost uint8) rtcp.ReceptionReport {
		return rtcp.ReceptionReport{SSRC: 1, LastSequenceNumber: seq, FractionLost: lost}
	}
	tests := []struct {
		name    string
		reports [][]byte // one every second while we send, from 1 s on
		want    string   // the finding's reason, "" none
	}{
		{"fine: the sequence advances", [][]byte{rr(block(50, 0)), rr(block(100, 0)), rr(block(150, 0)), rr(block(200, 0))}, ""},
		{"no block for our SSRC", [][]byte{rr(), rr(), rr()}, "no report block for our SSRC 00000001"},
		{"a block for another SSRC only", [][]byte{rr(), rr(rtcp.ReceptionReport{SSRC: 99}), rr()}, "no report block"},
		{"the highest sequence stands still", [][]byte{rr(block(50, 0)), rr(block(60, 0)), rr(block(60, 0))}, "stays at 60"},
		{"it loses everything", [][]byte{rr(block(10, 0)), rr(block(10, 0))[:0], rr(block(20, 255))}, "lost 99 %"},
		{"an early report is not judged", [][]byte{rr()}, ""},
		{"garbage", [][]byte{{0x80, 201, 0, 9}}, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st docState
			var got []finding
			for i := 0; i <= 50*(len(tt.reports)+1); i++ {
				now := t0.Add(time.Duration(i) * 20 * time.Millisecond)
				got = append(got, checkRTP(exp, &st, docPacket{t: now, out: true, remote: peer, data: rtpPkt(0, 1)})...)
				got = append(got, checkRTP(exp, &st, docPacket{t: now, remote: peer, data: rtpPkt(0, 7)})...)
				if k := i/50 - 1; i%50 == 0 && k >= 0 && k < len(tt.reports) && len(tt.reports[k]) > 0 {
					got = append(got, checkRTCP(exp, &st, docPacket{t: now, remote: peer, data: tt.reports[k]})...)
				}
			}
			if tt.want == "" {
				if len(got) > 0 {
					t.Fatalf("findings %v, want none", got)
				}
				return
			}
			if len(got) == 0 || got[0].kind != "one_way" || got[0].dir != "out" || !strings.Contains(got[0].msg, tt.want) {
				t.Fatalf("findings %v, want one_way/out with %q", got, tt.want)
			}
		})
	}
	// SRTP: the report blocks are encrypted, nothing is judged.
	st := docState{}
	for i := 0; i < 200; i++ {
		checkRTP(exp, &st, docPacket{t: t0.Add(time.Duration(i) * 20 * time.Millisecond), out: true, remote: peer, data: rtpPkt(0, 1)})
	}
	if fs := checkRTCP(docExpect{srtp: true}, &st, docPacket{t: t0.Add(4 * time.Second), remote: peer, data: rr()}); fs != nil {
		t.Errorf("SRTP call: %v", fs)
	}
}

// TestCheckDrift: the peer's timestamps against arrival times, with network jitter.
func TestCheckDrift(t *testing.T) {
	t0 := time.Unix(1000, 0)
	peer := netip.MustParseAddrPort("192.0.2.10:4000")
	tests := []struct {
		name   string
		rate   int
		step   uint32        // timestamp step per 20 ms packet
		jitter time.Duration // arrival delayed by up to this much
		secs   int
		gapAt  int // a 2 s pause before this packet (0: none)
		want   string
	}{
		{"exact clock", 8000, 160, 0, 12, 0, ""},
		{"exact clock, 40 ms jitter", 8000, 160, 40 * time.Millisecond, 12, 0, ""},
		{"0.6 % fast: under the limit", 8000, 161, 20 * time.Millisecond, 12, 0, ""},
		{"10 % fast", 8000, 176, 20 * time.Millisecond, 11, 0, "+10.0 %"},
		{"5 % slow", 8000, 152, 20 * time.Millisecond, 11, 0, "-5.0 %"},
		{"opus at 48 kHz, exact", 48000, 960, 20 * time.Millisecond, 12, 0, ""},
		{"G.722's 16 kHz sampling stamped at 16 kHz", 8000, 320, 0, 11, 0, "+100.0 %"},
		{"too short to judge", 8000, 176, 0, 9, 0, ""},
		{"a pause restarts the estimate", 8000, 176, 0, 12, 300, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			rng := rand.New(rand.NewSource(1))
			exp := docExpect{remote: peer, pts: []uint8{0}, codec: 0, rate: tt.rate, ptime: 20}
			var st docState
			var got []finding
			wall := time.Duration(0)
			for i := 0; i < tt.secs*50; i++ {
				if tt.gapAt != 0 && i == tt.gapAt {
					wall += 2 * time.Second
				}
				wall += 20 * time.Millisecond
				arr := t0.Add(wall)
				if tt.jitter > 0 {
					arr = arr.Add(time.Duration(rng.Int63n(int64(tt.jitter))))
				}
				p := docPacket{t: arr, remote: peer, data: audioPkt(0x12, uint32(i)*tt.step)}
				for _, f := range checkRTP(exp, &st, p) {
					if f.kind == "clock_drift" {
						got = append(got, f)
					}
				}
			}
			if tt.want == "" {
				if len(got) > 0 {
					t.Fatalf("findings %v, want none", got)
				}
				return
			}
			if len(got) == 0 || !strings.Contains(got[0].msg, tt.want) {
				t.Fatalf("findings %v, want clock_drift with %q", got, tt.want)
			}
		})
	}
}

// TestAfterBye: what reaches the closed call's port after the grace counts.
func TestAfterBye(t *testing.T) {
	peer := netip.MustParseAddrPort("192.0.2.10:4000")
	tests := []struct {
		name    string
		at      []time.Duration
		rtcp    bool
		dropped int // the kernel's queue overflowed
		count   int
		want    string // in the finding
	}{
		{"nothing", nil, false, 0, 0, ""},
		{"in flight at BYE", []time.Duration{10 * time.Millisecond, 200 * time.Millisecond}, false, 0, 0, ""},
		{"a stream that goes on", []time.Duration{100 * time.Millisecond, 600 * time.Millisecond, 800 * time.Millisecond, time.Second}, false, 0, 3, ": 3 packets from 192.0.2.10:4000, 0.6 to 1.0 s"},
		{"a late RTCP BYE is not RTP", []time.Duration{time.Second}, true, 0, 0, ""},
		{"more than the queue held", []time.Duration{600 * time.Millisecond}, false, 40, 1, "at least 1 packets (40 more overflowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := &doctor{reported: map[string]bool{}}
			for _, at := range tt.at {
				data := rtpPkt(0, 7)
				if tt.rtcp {
					data[1] = 203
				}
				d.late(at, peer, data)
			}
			if tt.dropped > 0 {
				d.lingerDropped(tt.dropped)
			}
			f, ok := afterBye(d.after)
			if ok != (tt.count > 0) || d.after.count != tt.count {
				t.Fatalf("count %d (finding %v), want %d", d.after.count, ok, tt.count)
			}
			if ok && (f.kind != "rtp_after_bye" || !strings.Contains(f.msg, tt.want)) {
				t.Errorf("finding %+v", f)
			}
		})
	}
}

// TestStreamWatch: SSRC changes and marker bits become stream events, at most one per
// streamEvery, each with the latest figures.
func TestStreamWatch(t *testing.T) {
	t0 := time.Unix(1000, 0)
	type pkt struct {
		ms     int
		ssrc   uint32
		marker bool
		want   string // "what/ssrc/talkspurts" of the event due, "" none
	}
	tests := []struct {
		name string
		pkts []pkt
	}{
		{"first packet: the stream's SSRC", []pkt{{0, 7, false, "ssrc/7/0"}, {20, 7, false, ""}}},
		{"a talkspurt", []pkt{{0, 7, true, "ssrc/7/0"}, {300, 7, true, "talkspurt/7/1"}, {320, 7, false, ""}}},
		{"a flood of markers is coalesced", []pkt{
			{0, 7, false, "ssrc/7/0"}, {300, 7, true, "talkspurt/7/1"}, {320, 7, true, ""}, {340, 7, true, ""},
			{560, 7, false, "talkspurt/7/3"}}},
		{"an SSRC change wins over a talkspurt", []pkt{{0, 7, false, "ssrc/7/0"}, {100, 7, true, ""}, {120, 9, false, ""}, {260, 9, false, "ssrc/9/1"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s streamState
			for i, p := range tt.pkts {
				e, ok := s.watch("c1", t0.Add(time.Duration(p.ms)*time.Millisecond), p.ssrc, p.marker)
				got := ""
				if ok {
					got = fmt.Sprintf("%s/%d/%d", e.What, e.SSRC, e.Talkspurts)
				}
				if got != p.want {
					t.Fatalf("packet %d: event %q, want %q", i, got, p.want)
				}
			}
		})
	}
}
