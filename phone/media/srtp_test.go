package media

import (
	"bytes"
	"errors"
	"testing"
	"time"

	"github.com/pion/rtcp"
	"github.com/pion/rtp"
)

var suites = []string{"AES_CM_128_HMAC_SHA1_80", "AES_CM_128_HMAC_SHA1_32"}

func testKey(b byte) []byte { return bytes.Repeat([]byte{b}, 30) }

// pairStates is the two ends of one call: a's send key is b's receive key and the reverse.
func pairStates(t testing.TB, suite string) (a, b *cryptoState) {
	t.Helper()
	ka, kb := testKey(1), testKey(2)
	a, err := newCryptoState(&SRTP{Suite: suite, LocalKey: ka, RemoteKey: kb}, nil)
	if err != nil {
		t.Fatal(err)
	}
	b, err = newCryptoState(&SRTP{Suite: suite, LocalKey: kb, RemoteKey: ka}, nil)
	if err != nil {
		t.Fatal(err)
	}
	return a, b
}

func rtpPacket(seq uint16, payload []byte) []byte {
	p := rtp.Packet{Header: rtp.Header{Version: 2, PayloadType: 0, SequenceNumber: seq, Timestamp: uint32(seq) * 160, SSRC: 0xCAFE}, Payload: payload}
	b, _ := p.Marshal()
	return b
}

func TestSRTPRoundTrip(t *testing.T) {
	for _, suite := range suites {
		t.Run(suite, func(t *testing.T) {
			a, b := pairStates(t, suite)
			tag := 10
			if suite == "AES_CM_128_HMAC_SHA1_32" {
				tag = 4
			}
			payload := bytes.Repeat([]byte{0xFF, 0x7F}, 80)
			for seq := uint16(65530); seq != 5; seq++ { // across a sequence number wrap (ROC)
				plain := rtpPacket(seq, payload)
				enc, err := a.txRTP.protectRTP(plain)
				if err != nil {
					t.Fatal(err)
				}
				if len(enc) != len(plain)+tag || bytes.Contains(enc, payload[:16]) {
					t.Fatalf("protected packet: %d bytes (want %d), payload visible: %v", len(enc), len(plain)+tag, bytes.Contains(enc, payload[:16]))
				}
				dec, err := b.rxRTP.unprotectRTP(enc)
				if err != nil {
					t.Fatalf("seq %d: %v", seq, err)
				}
				if !bytes.Equal(dec, plain) {
					t.Fatalf("seq %d: round trip differs", seq)
				}
			}
			rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 0xCAFE}})
			var sent []byte
			if err := a.txRTCP.protectRTCP(rr, func(p []byte) { sent = bytes.Clone(p) }); err != nil {
				t.Fatal(err)
			}
			if len(sent) != len(rr)+14 { // SRTCP: E||index and a 10-byte tag, for both suites
				t.Errorf("SRTCP packet is %d bytes, want %d", len(sent), len(rr)+14)
			}
			pkts, err := b.rxRTCP.unprotectRTCP(sent)
			if err != nil || len(pkts) != 1 {
				t.Fatalf("SRTCP: %v %v", pkts, err)
			}
			if _, ok := pkts[0].(*rtcp.ReceiverReport); !ok {
				t.Errorf("SRTCP decrypted to %T", pkts[0])
			}
		})
	}
}

func TestSRTPAuthFailuresCountedAndDropped(t *testing.T) {
	a, _ := pairStates(t, suites[0])
	_, wrong := pairStates(t, suites[0])
	wrong.txRTP, _ = newEnd(suites[0], testKey(9)) // a sender with another key
	s := newTestSession(t, Config{})
	if err := s.Update(Params{Remote: fuzzPeer, Codec: PCMU, SRTP: &SRTP{Suite: suites[0], LocalKey: testKey(2), RemoteKey: testKey(1)}}); err != nil {
		t.Fatal(err)
	}
	now := time.Unix(1_700_000_000, 0)
	var pkt rtp.Packet
	good, _ := a.txRTP.protectRTP(rtpPacket(1, make([]byte, 160)))
	good = bytes.Clone(good)
	tampered := bytes.Clone(good)
	tampered[20] ^= 1
	forged, _ := wrong.txRTP.protectRTP(rtpPacket(2, make([]byte, 160)))
	forged = bytes.Clone(forged)
	rr, _ := rtcp.Marshal([]rtcp.Packet{&rtcp.ReceiverReport{SSRC: 0xCAFE}})
	badRTCP := append(bytes.Clone(rr), 0x80, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10)

	tests := []struct {
		name     string
		data     []byte
		failures uint64
		received uint64
	}{
		{"plain RTP", rtpPacket(1, make([]byte, 160)), 1, 0},
		{"tampered SRTP", tampered, 2, 0},
		{"SRTP with another key", forged, 3, 0},
		{"SRTCP with a bad tag", badRTCP, 4, 0},
		{"runt", []byte{0x80, 0, 0, 1}, 4, 0},
		{"good SRTP", good, 4, 1},
		{"replayed SRTP: dropped, not an auth failure", good, 4, 1},
	}
	for _, tt := range tests {
		s.handleRTP(&pkt, bytes.Clone(tt.data), fuzzPeer, now)
		st := s.Stats()
		if st.AuthFailures != tt.failures || st.PacketsReceived != tt.received {
			t.Errorf("%s: auth failures %d received %d, want %d and %d", tt.name, st.AuthFailures, st.PacketsReceived, tt.failures, tt.received)
		}
		if st.SRTPSuite != suites[0] {
			t.Errorf("%s: stats suite %q", tt.name, st.SRTPSuite)
		}
	}
}

func TestSRTPUpdateKeepsUnchangedKeys(t *testing.T) {
	k := &SRTP{Suite: suites[0], LocalKey: testKey(1), RemoteKey: testKey(2)}
	old, err := newCryptoState(k, nil)
	if err != nil {
		t.Fatal(err)
	}
	same, _ := newCryptoState(&SRTP{Suite: suites[0], LocalKey: testKey(1), RemoteKey: testKey(2)}, old)
	if same.txRTP != old.txRTP || same.rxRTP != old.rxRTP || same.txRTCP != old.txRTCP || same.rxRTCP != old.rxRTCP {
		t.Error("a re-INVITE with the same keys must keep the contexts (rollover counters, replay windows)")
	}
	rekeyed, _ := newCryptoState(&SRTP{Suite: suites[0], LocalKey: testKey(1), RemoteKey: testKey(3)}, old)
	if rekeyed.txRTP != old.txRTP || rekeyed.rxRTP == old.rxRTP {
		t.Error("a new remote key must replace only the receive contexts")
	}
	other, _ := newCryptoState(&SRTP{Suite: suites[1], LocalKey: testKey(1), RemoteKey: testKey(2)}, old)
	if other.txRTP == old.txRTP || other.rxRTP == old.rxRTP {
		t.Error("a new suite must replace every context")
	}
	if cs, err := newCryptoState(nil, old); cs != nil || err != nil {
		t.Errorf("no keys: %v %v, want plain RTP", cs, err)
	}
}

func TestSRTPBadParams(t *testing.T) {
	tests := []struct {
		name string
		k    SRTP
		want error
	}{
		{"unknown suite", SRTP{Suite: "F8_128_HMAC_SHA1_80", LocalKey: testKey(1), RemoteKey: testKey(2)}, ErrUnknownSuite},
		{"short key", SRTP{Suite: suites[0], LocalKey: testKey(1)[:16], RemoteKey: testKey(2)}, nil},
	}
	for _, tt := range tests {
		s := newTestSession(t, Config{})
		err := s.Update(Params{Remote: fuzzPeer, Codec: PCMU, SRTP: &tt.k})
		if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
			t.Errorf("%s: Update = %v, want an error (%v)", tt.name, err, tt.want)
		}
	}
}

// FuzzSRTPReceive feeds arbitrary datagrams to an SRTP session's receive path: never a panic,
// and nothing unauthenticated is taken as media.
func FuzzSRTPReceive(f *testing.F) {
	a, _ := pairStates(f, suites[0])
	good, _ := a.txRTP.protectRTP(rtpPacket(1, make([]byte, 160)))
	f.Add(bytes.Clone(good))
	f.Add(rtpSeed(0, 1, 160, true, bytes.Repeat([]byte{0xFF}, 160)))
	f.Add([]byte{0x80, 0xC9, 0, 1, 0, 0, 0, 1, 0x80, 0, 0, 1, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10})
	s := fuzzSession(f)
	if err := s.Update(Params{Remote: fuzzPeer, Codec: PCMU, SRTP: &SRTP{Suite: suites[0], LocalKey: testKey(2), RemoteKey: testKey(1)}}); err != nil {
		f.Fatal(err)
	}
	var pkt rtp.Packet
	now := time.Unix(1_700_000_000, 0)
	f.Fuzz(func(t *testing.T, data []byte) {
		before := s.Stats().PacketsReceived
		s.handleRTP(&pkt, data, fuzzPeer, now)
		if got := s.Stats().PacketsReceived; got > before && !bytes.Equal(data, good) {
			t.Fatalf("an unauthenticated packet was taken as media: %x", data)
		}
	})
}

// BenchmarkSRTPProtect is the cost SRTP adds to each packet sent (20 ms of PCMU).
func BenchmarkSRTPProtect(b *testing.B) {
	for _, suite := range suites {
		b.Run(suite, func(b *testing.B) {
			a, _ := pairStates(b, suite)
			plain := rtpPacket(1, make([]byte, 160))
			seq := uint16(0)
			b.ReportAllocs()
			for b.Loop() {
				seq++
				plain[2], plain[3] = byte(seq>>8), byte(seq)
				if _, err := a.txRTP.protectRTP(plain); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkSRTPUnprotect is the cost of checking and decrypting each packet received.
func BenchmarkSRTPUnprotect(b *testing.B) {
	for _, suite := range suites {
		b.Run(suite, func(b *testing.B) {
			a, rx := pairStates(b, suite)
			const n = 1 << 14 // distinct packets: the replay window refuses a packet seen twice
			pkts := make([][]byte, n)
			for i := range pkts {
				out, _ := a.txRTP.protectRTP(rtpPacket(uint16(i), make([]byte, 160)))
				pkts[i] = bytes.Clone(out)
			}
			i := 0
			b.ReportAllocs()
			for b.Loop() {
				if i == n {
					b.StopTimer()
					_, rx = pairStates(b, suite) // fresh replay state
					i = 0
					b.StartTimer()
				}
				if _, err := rx.rxRTP.unprotectRTP(pkts[i]); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

// BenchmarkSendPacketSRTP is BenchmarkSendPacket with SRTP: encode, marshal, protect, send.
func BenchmarkSendPacketSRTP(b *testing.B) {
	_, dst := sink(b)
	s := newTestSession(b, Config{})
	a, _ := pairStates(b, suites[0])
	tx := newSender(48000)
	tx.srtp = a.txRTP
	for i := range tx.mic {
		tx.mic[i] = int16(i * 100)
	}
	b.ReportAllocs()
	for b.Loop() {
		s.sendAudio(tx, dst, ulaw, frameSamples)
		tx.ts += frameSamples
	}
}
