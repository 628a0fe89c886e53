package g722

// Decoder decodes G.722 at 64 kbit/s to 16 kHz PCM. The zero value is not ready: use NewDecoder.
type Decoder struct {
	band [2]band
	x    [24]int32 // receive QMF delay line
}

// NewDecoder returns a decoder in the reset state.
func NewDecoder() *Decoder { return &Decoder{band: newBands()} }

// Decode decodes src into dst, which needs 2*len(src) samples, and returns the samples written.
// Every byte is a valid code, so any input decodes.
func (d *Decoder) Decode(dst []int16, src []byte) int {
	n := min(len(src), len(dst)/2)
	lo, hi := &d.band[0], &d.band[1]
	for k := range n {
		code := int32(src[k])
		ilow := code & 0x3f
		ihigh := (code >> 6) & 3

		// Low band: the full 6-bit code reconstructs, its 4 upper bits adapt.
		rlow := lo.s + (lo.det*qm6[ilow])>>15
		rlow = max(min(rlow, 16383), -16384)
		ril := ilow >> 2
		dlow := (lo.det * qm4[ril]) >> 15
		lo.scaleLow(ril)
		lo.update(dlow)

		// High band.
		dhigh := (hi.det * qm2[ihigh]) >> 15
		rhigh := max(min(dhigh+hi.s, 16383), -16384)
		hi.scaleHigh(ihigh)
		hi.update(dhigh)

		// Receive QMF: two output samples from the two sub-band samples.
		copy(d.x[:22], d.x[2:])
		d.x[22], d.x[23] = rlow+rhigh, rlow-rhigh
		var o1, o2 int32
		for i := range 12 {
			o2 += d.x[2*i] * qmf[i]
			o1 += d.x[2*i+1] * qmf[11-i]
		}
		dst[2*k] = int16(sat(o1 >> 11))
		dst[2*k+1] = int16(sat(o2 >> 11))
	}
	return 2 * n
}
