package g722

// Encoder encodes 16 kHz PCM to G.722 at 64 kbit/s. The zero value is not ready: use NewEncoder.
type Encoder struct {
	band [2]band
	x    [24]int32 // transmit QMF delay line
}

// NewEncoder returns an encoder in the reset state.
func NewEncoder() *Encoder { return &Encoder{band: newBands()} }

// Encode encodes pcm (an even number of 16 kHz samples; an odd last one is ignored) into dst,
// which needs len(pcm)/2 bytes, and returns the bytes written.
func (e *Encoder) Encode(dst []byte, pcm []int16) int {
	n := min(len(pcm)/2, len(dst))
	lo, hi := &e.band[0], &e.band[1]
	for k := range n {
		// Transmit QMF: split two input samples into one low-band and one high-band sample.
		copy(e.x[:22], e.x[2:])
		e.x[22], e.x[23] = int32(pcm[2*k]), int32(pcm[2*k+1])
		var even, odd int32
		for i := range 12 {
			odd += e.x[2*i] * qmf[i]
			even += e.x[2*i+1] * qmf[11-i]
		}
		xlow := (even + odd) >> 14
		xhigh := (even - odd) >> 14

		// Low band: 6-bit adaptive quantiser.
		el := sat(xlow - lo.s)
		wd := el
		if el < 0 {
			wd = -(el + 1)
		}
		i := 1
		for ; i < 30; i++ {
			if wd < (q6[i]*lo.det)>>12 {
				break
			}
		}
		ilow := ilp[i]
		if el < 0 {
			ilow = iln[i]
		}
		ril := ilow >> 2
		dlow := (lo.det * qm4[ril]) >> 15
		lo.scaleLow(ril)
		lo.update(dlow)

		// High band: 2-bit adaptive quantiser.
		eh := sat(xhigh - hi.s)
		wd = eh
		if eh < 0 {
			wd = -(eh + 1)
		}
		mih := 1
		if wd >= (564*hi.det)>>12 {
			mih = 2
		}
		ihigh := ihp[mih]
		if eh < 0 {
			ihigh = ihn[mih]
		}
		dhigh := (hi.det * qm2[ihigh]) >> 15
		hi.scaleHigh(ihigh)
		hi.update(dhigh)

		dst[k] = byte(ihigh<<6 | ilow)
	}
	return n
}
