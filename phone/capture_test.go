package phone

import (
	"bytes"
	"net"
	"net/netip"
	"testing"
	"time"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

func TestPairIPs(t *testing.T) {
	ip := netip.MustParseAddr
	tests := []struct{ a, b, wantA, wantB string }{
		{"127.0.0.1", "127.0.0.2", "127.0.0.1", "127.0.0.2"},
		{"::1", "::2", "::1", "::2"},
		{"::", "10.0.0.1", "0.0.0.0", "10.0.0.1"},
		{"::ffff:10.0.0.2", "10.0.0.1", "10.0.0.2", "10.0.0.1"},
		{"0.0.0.0", "2001:db8::1", "::", "2001:db8::1"},
		{"10.0.0.1", "2001:db8::1", "10.0.0.1", "0.0.0.0"},
	}
	for _, tt := range tests {
		a, b := pairIPs(ip(tt.a), ip(tt.b))
		if a != ip(tt.wantA) || b != ip(tt.wantB) {
			t.Errorf("pairIPs(%s, %s) = %s, %s; want %s, %s", tt.a, tt.b, a, b, tt.wantA, tt.wantB)
		}
	}
	if a, b := pairIPs(netip.Addr{}, ip("::1")); a != ip("::") || b != ip("::1") {
		t.Errorf("pairIPs(invalid, ::1) = %s, %s", a, b)
	}
}

// TestWritePcap: what is written reads back as Ethernet/IP/UDP with the addresses, ports,
// direction and payload of each packet, IPv4 and IPv6.
func TestWritePcap(t *testing.T) {
	t0 := time.Unix(1700000000, 0)
	ap := netip.MustParseAddrPort
	pkts := []capPkt{
		{t: t0, out: true, kind: capSIP, local: ap("127.0.0.1:5060"), remote: ap("127.0.0.1:5070"), data: []byte("INVITE sip:x SIP/2.0\r\n\r\n")},
		{t: t0.Add(time.Second), out: false, kind: capRTP, local: ap("[::1]:10000"), remote: ap("[::1]:20000"), data: []byte{0x80, 0, 0, 1}},
	}
	var buf bytes.Buffer
	if err := writePcap(&buf, pkts); err != nil {
		t.Fatal(err)
	}
	r, err := pcapgo.NewReader(&buf)
	if err != nil {
		t.Fatal(err)
	}
	for i, want := range pkts {
		data, ci, err := r.ReadPacketData()
		if err != nil {
			t.Fatalf("packet %d: %v", i, err)
		}
		if !ci.Timestamp.Equal(want.t) {
			t.Errorf("packet %d: time %v, want %v", i, ci.Timestamp, want.t)
		}
		pk := gopacket.NewPacket(data, layers.LayerTypeEthernet, gopacket.Default)
		udp, _ := pk.Layer(layers.LayerTypeUDP).(*layers.UDP)
		if udp == nil {
			t.Fatalf("packet %d: no UDP layer: %v", i, pk)
		}
		src, dst := want.local, want.remote
		if !want.out {
			src, dst = dst, src
		}
		if int(udp.SrcPort) != int(src.Port()) || int(udp.DstPort) != int(dst.Port()) || !bytes.Equal(udp.Payload, want.data) {
			t.Errorf("packet %d: udp %d->%d %q, want %v->%v %q", i, udp.SrcPort, udp.DstPort, udp.Payload, src, dst, want.data)
		}
		nl := pk.NetworkLayer()
		if nl == nil || nl.NetworkFlow().Src().String() != src.Addr().String() || nl.NetworkFlow().Dst().String() != dst.Addr().String() {
			t.Errorf("packet %d: network %v, want %v -> %v", i, nl, src.Addr(), dst.Addr())
		}
	}
}

// TestUDPFrameMatchesGopacket: the hand-written headers (capture_pcap.go) are byte for byte what
// gopacket serialises with lengths and checksums computed, for both families, odd and even
// payloads, and a mixed-family pair.
func TestUDPFrameMatchesGopacket(t *testing.T) {
	ap := netip.MustParseAddrPort
	tests := []struct {
		name     string
		src, dst netip.AddrPort
		data     []byte
	}{
		{"v4 even", ap("127.0.0.1:5060"), ap("10.1.2.3:5070"), []byte("INVITE sip:x SIP/2.0\r\n\r\n")},
		{"v4 odd", ap("192.168.1.20:10000"), ap("192.168.1.30:20001"), []byte{0x80, 0, 0, 1, 0xff}},
		{"v4 empty", ap("127.0.0.1:1"), ap("127.0.0.1:2"), nil},
		{"v6 odd", ap("[2001:db8::1]:10000"), ap("[::1]:20000"), []byte("BYE sip:y SIP/2.0\r\n\r\n!")},
		{"v6 even", ap("[fe80::1]:65535"), ap("[fe80::2]:5060"), bytes.Repeat([]byte{0xff}, 1400)},
		{"mixed", ap("[::]:5060"), ap("10.0.0.1:5060"), []byte("OPTIONS")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := udpFrame(nil, tt.src, tt.dst, tt.data)
			if want := gopacketFrame(t, tt.src, tt.dst, tt.data); !bytes.Equal(got, want) {
				t.Errorf("frame\n got % x\nwant % x", got, want)
			}
		})
	}
}

// gopacketFrame is the reference: the same frame built by gopacket.
func gopacketFrame(t *testing.T, src, dst netip.AddrPort, data []byte) []byte {
	t.Helper()
	srcIP, dstIP := pairIPs(src.Addr(), dst.Addr())
	eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}}
	udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
	var ip gopacket.SerializableLayer
	if srcIP.Is4() {
		eth.EthernetType = layers.EthernetTypeIPv4
		v4 := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP, SrcIP: srcIP.AsSlice(), DstIP: dstIP.AsSlice()}
		_ = udp.SetNetworkLayerForChecksum(v4)
		ip = v4
	} else {
		eth.EthernetType = layers.EthernetTypeIPv6
		v6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP, SrcIP: srcIP.AsSlice(), DstIP: dstIP.AsSlice()}
		_ = udp.SetNetworkLayerForChecksum(v6)
		ip = v6
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	if err := gopacket.SerializeLayers(buf, opts, eth, ip, udp, gopacket.Payload(data)); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}
