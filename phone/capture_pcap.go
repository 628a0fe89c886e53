package phone

import (
	"bufio"
	"encoding/binary"
	"fmt"
	"io"
	"net/netip"
)

// writePcap writes packets as Ethernet frames with synthesised IPv4/IPv6 and UDP headers carrying
// the real addresses and ports. SIP over TCP/TLS/WS is written UDP-framed too (one message per
// datagram, the real ports), so that Wireshark, tshark and sngrep decode it as SIP without a TCP
// stream to reassemble; TLS appears decrypted (the trace sees it so).
//
// The headers are written here, not with gopacket: importing gopacket/layers (pcapgo imports it
// too) costs every running phone ~9 MB of RSS, as its init fills 65536-entry decoder tables
// (7 MB of .bss) that a writer of three fixed headers never reads (issue 10: peak RSS at load).
// TestWritePcap checks the bytes against gopacket's own serialisation.
func writePcap(w io.Writer, pkts []capPkt) error {
	bw := bufio.NewWriter(w)
	var hdr [24]byte // pcap file header: microsecond timestamps, version 2.4, Ethernet
	binary.LittleEndian.PutUint32(hdr[0:], 0xa1b2c3d4)
	binary.LittleEndian.PutUint16(hdr[4:], 2)
	binary.LittleEndian.PutUint16(hdr[6:], 4)
	binary.LittleEndian.PutUint32(hdr[16:], 65535) // snaplen
	binary.LittleEndian.PutUint32(hdr[20:], 1)     // LINKTYPE_ETHERNET
	if _, err := bw.Write(hdr[:]); err != nil {
		return fmt.Errorf("writing the pcap header: %w", err)
	}
	var frame []byte
	for _, p := range pkts {
		src, dst := p.local, p.remote
		if !p.out {
			src, dst = dst, src
		}
		data := p.bytes()
		if len(data) > 65507 {
			data = data[:65507] // one UDP datagram at most
		}
		frame = udpFrame(frame[:0], src, dst, data)
		var rec [16]byte
		us := p.t.UnixMicro()
		binary.LittleEndian.PutUint32(rec[0:], uint32(us/1e6))
		binary.LittleEndian.PutUint32(rec[4:], uint32(us%1e6))
		binary.LittleEndian.PutUint32(rec[8:], uint32(len(frame)))
		binary.LittleEndian.PutUint32(rec[12:], uint32(len(frame)))
		if _, err := bw.Write(rec[:]); err != nil {
			return fmt.Errorf("writing a packet: %w", err)
		}
		if _, err := bw.Write(frame); err != nil {
			return fmt.Errorf("writing a packet: %w", err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("writing a packet: %w", err)
	}
	return nil
}

// udpFrame appends an Ethernet frame (locally administered MACs) carrying an IPv4 or IPv6
// header (by pairIPs' family), a UDP header with its checksum, and data.
func udpFrame(b []byte, src, dst netip.AddrPort, data []byte) []byte {
	srcIP, dstIP := pairIPs(src.Addr(), dst.Addr())
	udpLen := 8 + len(data)
	b = append(b, 2, 0, 0, 0, 0, 2, 2, 0, 0, 0, 0, 1) // destination, source MAC
	var pseudo uint32                                 // the UDP checksum's pseudo-header sum
	if srcIP.Is4() {
		b = append(b, 0x08, 0x00) // IPv4
		ip := len(b)
		b = append(b, 0x45, 0) // version 4, IHL 5; DSCP 0
		b = binary.BigEndian.AppendUint16(b, uint16(20+udpLen))
		b = append(b, 0, 0, 0, 0, 64, 17, 0, 0) // id, flags/fragment, TTL 64, UDP, checksum
		b = append(b, srcIP.AsSlice()...)
		b = append(b, dstIP.AsSlice()...)
		binary.BigEndian.PutUint16(b[ip+10:], ^fold(sum16(0, b[ip:ip+20])))
		pseudo = sum16(sum16(0, b[ip+12:ip+20]), []byte{0, 17}) + uint32(udpLen)
	} else {
		b = append(b, 0x86, 0xdd) // IPv6
		b = append(b, 0x60, 0, 0, 0)
		b = binary.BigEndian.AppendUint16(b, uint16(udpLen))
		b = append(b, 17, 64) // next header UDP, hop limit 64
		a := len(b)
		b = append(b, srcIP.AsSlice()...)
		b = append(b, dstIP.AsSlice()...)
		pseudo = sum16(0, b[a:a+32]) + uint32(udpLen) + 17
	}
	u := len(b)
	b = binary.BigEndian.AppendUint16(b, src.Port())
	b = binary.BigEndian.AppendUint16(b, dst.Port())
	b = binary.BigEndian.AppendUint16(b, uint16(udpLen))
	b = append(b, 0, 0)
	b = append(b, data...)
	cs := ^fold(sum16(pseudo, b[u:]))
	if cs == 0 {
		cs = 0xffff // RFC 768: a computed zero is sent as all ones
	}
	binary.BigEndian.PutUint16(b[u+6:], cs)
	for len(b) < 60 { // Ethernet's minimum frame (without the FCS), zero-padded
		b = append(b, 0)
	}
	return b
}

// sum16 adds b as big-endian 16-bit words (an odd last byte padded with zero) to s: the
// Internet checksum's sum before folding.
func sum16(s uint32, b []byte) uint32 {
	for len(b) >= 2 {
		s += uint32(b[0])<<8 | uint32(b[1])
		b = b[2:]
	}
	if len(b) == 1 {
		s += uint32(b[0]) << 8
	}
	return s
}

// fold folds the carries of a one's-complement sum into 16 bits.
func fold(s uint32) uint16 {
	for s>>16 != 0 {
		s = s&0xffff + s>>16
	}
	return uint16(s)
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
