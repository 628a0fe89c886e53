package media

// G.711 µ-law and A-law as lookup tables. The tables are built once at init from the classic
// (Sun/CCITT reference) algorithm: two 64 KiB encode tables indexed by the 16-bit sample and two
// 256-entry decode tables. Encoding and decoding write into caller buffers and never allocate.

var (
	ulawEnc [65536]byte
	alawEnc [65536]byte
	ulawDec [256]int16
	alawDec [256]int16
)

func init() {
	for i := range 65536 {
		s := int16(uint16(i))
		ulawEnc[i] = linearToUlaw(s)
		alawEnc[i] = linearToAlaw(s)
	}
	for i := range 256 {
		ulawDec[i] = ulawToLinear(byte(i))
		alawDec[i] = alawToLinear(byte(i))
	}
}

// EncodeUlaw encodes len(src) samples into dst (which must be at least as long) and returns
// the number of bytes written.
func EncodeUlaw(dst []byte, src []int16) int {
	dst = dst[:len(src)]
	for i, s := range src {
		dst[i] = ulawEnc[uint16(s)]
	}
	return len(src)
}

// EncodeAlaw encodes len(src) samples into dst (which must be at least as long) and returns
// the number of bytes written.
func EncodeAlaw(dst []byte, src []int16) int {
	dst = dst[:len(src)]
	for i, s := range src {
		dst[i] = alawEnc[uint16(s)]
	}
	return len(src)
}

// DecodeUlaw decodes len(src) bytes into dst (which must be at least as long) and returns the
// number of samples written.
func DecodeUlaw(dst []int16, src []byte) int {
	dst = dst[:len(src)]
	for i, b := range src {
		dst[i] = ulawDec[b]
	}
	return len(src)
}

// DecodeAlaw decodes len(src) bytes into dst (which must be at least as long) and returns the
// number of samples written.
func DecodeAlaw(dst []int16, src []byte) int {
	dst = dst[:len(src)]
	for i, b := range src {
		dst[i] = alawDec[b]
	}
	return len(src)
}

// segment returns the index of the first end value that is >= v, or len(ends).
func segment(v int, ends *[8]int) int {
	for i, e := range ends {
		if v <= e {
			return i
		}
	}
	return len(ends)
}

var (
	ulawSegEnd = [8]int{0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF, 0x1FFF}
	alawSegEnd = [8]int{0x1F, 0x3F, 0x7F, 0xFF, 0x1FF, 0x3FF, 0x7FF, 0xFFF}
)

func linearToUlaw(s int16) byte {
	const bias, clip = 0x84, 8159
	v := int(s) >> 2
	mask := byte(0xFF)
	if v < 0 {
		v = -v
		mask = 0x7F
	}
	v = min(v, clip)
	v += bias >> 2
	seg := segment(v, &ulawSegEnd)
	if seg >= 8 {
		return 0x7F ^ mask
	}
	return byte(seg<<4|(v>>(seg+1))&0xF) ^ mask
}

func ulawToLinear(u byte) int16 {
	const bias = 0x84
	u = ^u
	t := (int(u&0x0F) << 3) + bias
	t <<= (u & 0x70) >> 4
	if u&0x80 != 0 {
		return int16(bias - t)
	}
	return int16(t - bias)
}

func linearToAlaw(s int16) byte {
	v := int(s) >> 3
	mask := byte(0xD5)
	if v < 0 {
		mask = 0x55
		v = -v - 1
	}
	seg := segment(v, &alawSegEnd)
	if seg >= 8 {
		return 0x7F ^ mask
	}
	a := seg << 4
	if seg < 2 {
		a |= (v >> 1) & 0x0F
	} else {
		a |= (v >> seg) & 0x0F
	}
	return byte(a) ^ mask
}

func alawToLinear(a byte) int16 {
	a ^= 0x55
	t := int(a&0x0F) << 4
	seg := (a & 0x70) >> 4
	switch seg {
	case 0:
		t += 8
	case 1:
		t += 0x108
	default:
		t += 0x108
		t <<= seg - 1
	}
	if a&0x80 != 0 {
		return int16(t)
	}
	return int16(-t)
}
