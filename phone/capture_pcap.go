package phone

import (
	"fmt"
	"io"
	"net"
	"net/netip"

	"github.com/google/gopacket"
	"github.com/google/gopacket/layers"
	"github.com/google/gopacket/pcapgo"
)

// writePcap writes packets as Ethernet frames with synthesised IPv4/IPv6 and UDP headers carrying
// the real addresses and ports. SIP over TCP/TLS/WS is written UDP-framed too (one message per
// datagram, the real ports), so that Wireshark, tshark and sngrep decode it as SIP without a TCP
// stream to reassemble; TLS appears decrypted (the trace sees it so).
func writePcap(w io.Writer, pkts []capPkt) error {
	pw := pcapgo.NewWriter(w)
	if err := pw.WriteFileHeader(65535, layers.LinkTypeEthernet); err != nil {
		return fmt.Errorf("writing the pcap header: %w", err)
	}
	buf := gopacket.NewSerializeBuffer()
	opts := gopacket.SerializeOptions{FixLengths: true, ComputeChecksums: true}
	for _, p := range pkts {
		src, dst := p.local, p.remote
		if !p.out {
			src, dst = dst, src
		}
		srcIP, dstIP := pairIPs(src.Addr(), dst.Addr())
		eth := &layers.Ethernet{SrcMAC: net.HardwareAddr{2, 0, 0, 0, 0, 1}, DstMAC: net.HardwareAddr{2, 0, 0, 0, 0, 2}}
		udp := &layers.UDP{SrcPort: layers.UDPPort(src.Port()), DstPort: layers.UDPPort(dst.Port())}
		var ip gopacket.SerializableLayer
		if srcIP.Is4() {
			eth.EthernetType = layers.EthernetTypeIPv4
			v4 := &layers.IPv4{Version: 4, IHL: 5, TTL: 64, Protocol: layers.IPProtocolUDP,
				SrcIP: srcIP.AsSlice(), DstIP: dstIP.AsSlice()}
			_ = udp.SetNetworkLayerForChecksum(v4)
			ip = v4
		} else {
			eth.EthernetType = layers.EthernetTypeIPv6
			v6 := &layers.IPv6{Version: 6, HopLimit: 64, NextHeader: layers.IPProtocolUDP,
				SrcIP: srcIP.AsSlice(), DstIP: dstIP.AsSlice()}
			_ = udp.SetNetworkLayerForChecksum(v6)
			ip = v6
		}
		data := p.data
		if len(data) > 65507 {
			data = data[:65507] // one UDP datagram at most
		}
		if err := gopacket.SerializeLayers(buf, opts, eth, ip, udp, gopacket.Payload(data)); err != nil {
			return fmt.Errorf("building a packet: %w", err)
		}
		b := buf.Bytes()
		ci := gopacket.CaptureInfo{Timestamp: p.t, CaptureLength: len(b), Length: len(b)}
		if err := pw.WritePacket(ci, b); err != nil {
			return fmt.Errorf("writing a packet: %w", err)
		}
	}
	return nil
}

// pairIPs makes two addresses one family for a packet header: IPv4-mapped IPv6 becomes IPv4, an
// unspecified or missing address takes the other's family (a socket bound to [::] that talked to
// an IPv4 peer, say).
func pairIPs(a, b netip.Addr) (netip.Addr, netip.Addr) {
	a, b = a.Unmap(), b.Unmap()
	zero := func(like netip.Addr) netip.Addr {
		if like.Is6() {
			return netip.IPv6Unspecified()
		}
		return netip.IPv4Unspecified()
	}
	switch {
	case !a.IsValid() && !b.IsValid():
		return netip.IPv4Unspecified(), netip.IPv4Unspecified()
	case a.IsValid() && b.IsValid() && a.Is4() == b.Is4():
		return a, b
	case !a.IsValid() || (a.IsUnspecified() && b.IsValid()):
		return zero(b), b
	}
	return a, zero(a)
}
