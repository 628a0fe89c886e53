package media

import (
	"errors"
	"math"
	"net/netip"
	"testing"
)

func TestMOS(t *testing.T) {
	good := mos(0, 40, 2)
	if good < 4.3 || good > 4.5 {
		t.Errorf("clean loopback call: MOS %.2f", good)
	}
	prev := good
	for _, loss := range []float64{1, 3, 5, 10, 20, 50} {
		m := mos(loss, 40, 2)
		if m >= prev {
			t.Errorf("MOS %.2f at %.0f%% loss is not below %.2f", m, loss, prev)
		}
		prev = m
	}
	if m := mos(0, 200, 600); m >= good || m < 1 {
		t.Errorf("long delay: MOS %.2f", m)
	}
	for _, m := range []float64{mos(100, 200, 5000), mos(90, 40, 0), mos(-5, -100, 0)} {
		if m < 1 || m > 4.5 {
			t.Errorf("MOS %.2f out of 1..4.5", m)
		}
	}
}

func TestDBFS(t *testing.T) {
	full := make([]int16, 160)
	for i := range full {
		full[i] = int16(32767 * math.Sin(2*math.Pi*1000*float64(i)/8000))
	}
	if got := dbfs(full); math.Abs(got+3.01) > 0.1 {
		t.Errorf("full-scale sine: %.2f dBFS, want -3.01", got)
	}
	if got := dbfs(make([]int16, 160)); got != MinDBFS {
		t.Errorf("silence: %.2f", got)
	}
	half := make([]int16, 160)
	for i := range half {
		half[i] = full[i] / 2
	}
	if got := dbfs(half); math.Abs(got+9.03) > 0.1 {
		t.Errorf("half-scale sine: %.2f dBFS, want -9.03", got)
	}
}

func TestSeqStats(t *testing.T) {
	tests := []struct {
		name         string
		seqs         []uint16
		wantExpected uint64
		wantLost     int64
	}{
		{"in order", []uint16{10, 11, 12, 13}, 4, 0},
		{"loss", []uint16{10, 11, 14, 15}, 6, 2},
		{"reorder", []uint16{10, 12, 11, 13}, 4, 0},
		{"duplicate", []uint16{10, 11, 11, 12}, 3, -1},
		{"wrap", []uint16{65534, 65535, 0, 2}, 5, 1},
		{"restart after a big jump", []uint16{10, 11, 30000, 30001, 30002}, 2, 0},
		{"one stray big jump ignored", []uint16{10, 11, 30000, 12, 13}, 4, 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var q seqStats
			for _, s := range tc.seqs {
				q.update(7, s)
			}
			if q.expected() != tc.wantExpected || q.lost() != tc.wantLost {
				t.Fatalf("expected %d lost %d, want %d %d", q.expected(), q.lost(), tc.wantExpected, tc.wantLost)
			}
		})
	}
	var q seqStats
	for s := range uint16(100) {
		if s%4 != 3 {
			q.update(1, s)
		}
	}
	if f := q.interval(); f < 60 || f > 66 { // 25% of 256
		t.Fatalf("fraction lost %d/256, want about 64", f)
	}
	if f := q.interval(); f != 0 {
		t.Fatalf("empty interval: %d", f)
	}
	q.update(2, 500) // new SSRC starts over
	if q.expected() != 1 || q.lost() != 0 {
		t.Fatalf("after SSRC change: expected %d lost %d", q.expected(), q.lost())
	}
}

func TestAcceptAndLatch(t *testing.T) {
	peer := netip.MustParseAddrPort("192.0.2.1:4000")
	natted := netip.MustParseAddrPort("192.0.2.1:4711")
	other := netip.MustParseAddrPort("198.51.100.7:5000")
	tests := []struct {
		name    string
		remote  netip.AddrPort
		sources []netip.AddrPort
		want    []bool
		latched netip.AddrPort
	}{
		{"negotiated address", peer, []netip.AddrPort{peer, other, peer}, []bool{true, false, true}, peer},
		{"negotiated IP, other port (NAT)", peer, []netip.AddrPort{natted, peer}, []bool{true, false}, natted},
		{"foreign source once", peer, []netip.AddrPort{other, peer, other}, []bool{true, false, true}, other},
		{"no remote: first source", netip.AddrPort{}, []netip.AddrPort{other, peer}, []bool{true, false}, other},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			s := &Session{params: Params{Remote: tc.remote}}
			for i, src := range tc.sources {
				if ok, _ := s.acceptLocked(src); ok != tc.want[i] {
					t.Fatalf("source %d (%s): accepted %v", i, src, ok)
				}
			}
			if s.peer.latched != tc.latched {
				t.Fatalf("latched %s, want %s", s.peer.latched, tc.latched)
			}
			if tc.remote.IsValid() && s.sendTargetLocked() != tc.latched {
				t.Fatalf("sends to %s", s.sendTargetLocked())
			}
		})
	}
}

func TestPortRange(t *testing.T) {
	a := newTestSession(t, Config{PortMin: 30000, PortMax: 30999})
	port := int(a.LocalAddr().Port())
	if port%2 != 0 || port < 30000 || port > 30998 {
		t.Fatalf("RTP port %d", port)
	}
	// The only pair in range is taken: a clear error.
	_, err := NewSession(Config{LocalIP: loopback, PortMin: port, PortMax: port + 1})
	if !errors.Is(err, ErrNoPortsFree) {
		t.Fatalf("err = %v", err)
	}
	if _, err := NewSession(Config{LocalIP: loopback, PortMin: 5000, PortMax: 5000}); err == nil {
		t.Fatal("a range without a pair accepted")
	}
	if Inactive.String() != "inactive" || SendOnly.String() != "sendonly" || Direction(9).String() == "" {
		t.Fatal("Direction.String")
	}
}
