package phone

import (
	"net/netip"
	"strings"
	"testing"
	"time"
)

func rtpPkt(pt uint8, ssrc uint32) []byte {
	b := make([]byte, 12+160)
	b[0], b[1] = 0x80, pt
	b[8], b[9], b[10], b[11] = byte(ssrc>>24), byte(ssrc>>16), byte(ssrc>>8), byte(ssrc)
	return b
}

func TestCheckRTP(t *testing.T) {
	t0 := time.Unix(1000, 0)
	peer := netip.MustParseAddrPort("192.0.2.10:4000")
	nat := netip.MustParseAddrPort("198.51.100.7:61000")
	exp := docExpect{remote: peer, pts: []uint8{0, 101}, recv: true}
	type step struct {
		ms     int
		out    bool
		from   netip.AddrPort
		pt     uint8
		ssrc   uint32
		kinds  string // findings, comma-separated
		expect *docExpect
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"clean call", []step{
			{0, true, peer, 0, 1, "", nil}, {20, false, peer, 0, 7, "", nil},
			{3000, true, peer, 0, 1, "", nil}, {3000, false, peer, 101, 7, "", nil},
		}},
		{"one-way: we send, nothing arrives for 2 s", []step{
			{0, true, peer, 0, 1, "", nil}, {1980, true, peer, 0, 1, "", nil}, {2000, true, peer, 0, 1, "one_way", nil},
		}},
		{"no one-way while the peer holds us", []step{
			{0, true, peer, 0, 1, "", &docExpect{remote: peer, pts: []uint8{0}}}, {5000, true, peer, 0, 1, "", nil},
		}},
		{"NAT: RTP from another address", []step{
			{0, false, nat, 0, 7, "latched", nil}, {20, false, nat, 0, 7, "", nil},
		}},
		{"payload type not negotiated", []step{{0, false, peer, 8, 7, "payload_type", nil}}},
		{"SSRC change", []step{{0, false, peer, 0, 7, "", nil}, {20, false, peer, 0, 9, "ssrc_change", nil}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e, st := exp, docState{}
			for i, s := range tt.steps {
				if s.expect != nil {
					e = *s.expect
				}
				fs := checkRTP(e, &st, docPacket{t: t0.Add(time.Duration(s.ms) * time.Millisecond), out: s.out, remote: s.from, data: rtpPkt(s.pt, s.ssrc)})
				var kinds []string
				for _, f := range fs {
					kinds = append(kinds, f.kind)
					if f.msg == "" {
						t.Errorf("step %d: %s without a message", i, f.kind)
					}
				}
				if got := strings.Join(kinds, ","); got != s.kinds {
					t.Fatalf("step %d: findings %q, want %q (%v)", i, got, s.kinds, fs)
				}
			}
		})
	}
	if fs := checkRTP(exp, &docState{}, docPacket{data: []byte{1, 2, 3}}); fs != nil {
		t.Errorf("a runt datagram gave %v", fs)
	}
}

func audioPkt(fill byte, ts uint32) []byte {
	b := rtpPkt(0, 7)
	b[4], b[5], b[6], b[7] = byte(ts>>24), byte(ts>>16), byte(ts>>8), byte(ts)
	for i := 12; i < len(b); i++ {
		b[i] = fill
	}
	return b
}

// TestCheckAudio: digital silence for 2 s, and packets of another size than the SDP's ptime.
func TestCheckAudio(t *testing.T) {
	t0 := time.Unix(1000, 0)
	peer := netip.MustParseAddrPort("192.0.2.10:4000")
	tests := []struct {
		name  string
		exp   docExpect
		fill  byte
		tsInc uint32
		n     int
		want  string
	}{
		{"speech at 20 ms", docExpect{remote: peer, pts: []uint8{0}, codec: 0, ptime: 20}, 0x12, 160, 150, ""},
		{"µ-law silence", docExpect{remote: peer, pts: []uint8{0}, codec: 0, ptime: 20}, 0xFF, 160, 150, "silence"},
		{"30 ms packets, 20 ms in the SDP", docExpect{remote: peer, pts: []uint8{0}, codec: 0, ptime: 20}, 0x12, 240, 20, "ptime"},
		{"ptime unset means 20", docExpect{remote: peer, pts: []uint8{0}, codec: 0}, 0x12, 160, 20, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var st docState
			var got []string
			for i := 0; i < tt.n; i++ {
				p := docPacket{t: t0.Add(time.Duration(i) * 20 * time.Millisecond), remote: peer, data: audioPkt(tt.fill, uint32(i)*tt.tsInc)}
				for _, f := range checkRTP(tt.exp, &st, p) {
					got = append(got, f.kind)
				}
			}
			if (tt.want == "") != (len(got) == 0) || (tt.want != "" && got[0] != tt.want) {
				t.Fatalf("findings %v, want %q", got, tt.want)
			}
		})
	}
}
