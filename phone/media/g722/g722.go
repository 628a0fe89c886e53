// Package g722 is the ITU-T G.722 wideband codec at 64 kbit/s (mode 1): 16 kHz 16-bit PCM in,
// one byte per two samples out. It follows the ITU fixed-point reference (sub-band ADPCM with a
// 24-tap QMF), so its output interoperates bit for bit with other implementations derived from it.
package g722

// Quantiser, scale-factor and QMF tables of the recommendation (G.722 tables 6-17).
var (
	q6   = [32]int32{0, 35, 72, 110, 150, 190, 233, 276, 323, 370, 422, 473, 530, 587, 650, 714, 786, 858, 940, 1023, 1121, 1219, 1339, 1458, 1612, 1765, 1980, 2195, 2557, 2919, 0, 0}
	iln  = [32]int32{0, 63, 62, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 0}
	ilp  = [32]int32{0, 61, 60, 59, 58, 57, 56, 55, 54, 53, 52, 51, 50, 49, 48, 47, 46, 45, 44, 43, 42, 41, 40, 39, 38, 37, 36, 35, 34, 33, 32, 0}
	wl   = [8]int32{-60, -30, 58, 172, 334, 538, 1198, 3042}
	rl42 = [16]int32{0, 7, 6, 5, 4, 3, 2, 1, 7, 6, 5, 4, 3, 2, 1, 0}
	ilb  = [32]int32{2048, 2093, 2139, 2186, 2233, 2282, 2332, 2383, 2435, 2489, 2543, 2599, 2656, 2714,
		2774, 2834, 2896, 2960, 3025, 3091, 3158, 3228, 3298, 3371, 3444, 3520, 3597, 3676, 3756, 3838, 3922, 4008}
	qm4 = [16]int32{0, -20456, -12896, -8968, -6288, -4240, -2584, -1200, 20456, 12896, 8968, 6288, 4240, 2584, 1200, 0}
	qm2 = [4]int32{-7408, -1616, 7408, 1616}
	qm6 = [64]int32{-136, -136, -136, -136, -24808, -21904, -19008, -16704, -14984, -13512, -12280, -11192,
		-10232, -9360, -8576, -7856, -7192, -6576, -6000, -5456, -4944, -4464, -4008, -3576, -3168, -2776,
		-2400, -2032, -1688, -1360, -1040, -728, 24808, 21904, 19008, 16704, 14984, 13512, 12280, 11192,
		10232, 9360, 8576, 7856, 7192, 6576, 6000, 5456, 4944, 4464, 4008, 3576, 3168, 2776, 2400, 2032,
		1688, 1360, 1040, 728, 432, 136, -432, -136}
	qmf = [12]int32{3, -11, 12, 32, -210, 951, 3876, -805, 362, -156, 53, -11}
	ihn = [3]int32{0, 1, 0}
	ihp = [3]int32{0, 3, 2}
	wh  = [3]int32{0, -214, 798}
	rh2 = [4]int32{2, 1, 2, 1}
)

func sat(v int32) int32 {
	if v > 32767 {
		return 32767
	}
	if v < -32768 {
		return -32768
	}
	return v
}

// band is the ADPCM predictor state of one sub-band.
type band struct {
	s, sp, sz int32
	r, a, ap  [3]int32
	p         [3]int32
	d, b, bp  [7]int32
	nb, det   int32
}

// update is block 4 of the recommendation: reconstruct, adapt the pole and zero predictors and
// predict the next sample from the quantised difference d.
func (b *band) update(d int32) {
	var sg [7]int32
	b.d[0] = d
	b.r[0] = sat(b.s + d)
	b.p[0] = sat(b.sz + d)

	// UPPOL2
	for i := range 3 {
		sg[i] = b.p[i] >> 15
	}
	wd1 := sat(b.a[1] << 2)
	wd2 := wd1
	if sg[0] == sg[1] {
		wd2 = -wd1
	}
	wd2 = min(wd2, 32767)
	wd3 := int32(-128)
	if sg[0] == sg[2] {
		wd3 = 128
	}
	wd3 += wd2 >> 7
	wd3 += (b.a[2] * 32512) >> 15
	b.ap[2] = max(min(wd3, 12288), -12288)

	// UPPOL1
	wd1 = -192
	if sg[0] == sg[1] {
		wd1 = 192
	}
	b.ap[1] = sat(wd1 + (b.a[1]*32640)>>15)
	lim := sat(15360 - b.ap[2])
	b.ap[1] = max(min(b.ap[1], lim), -lim)

	// UPZERO
	step := int32(128)
	if d == 0 {
		step = 0
	}
	sg[0] = d >> 15
	for i := 1; i < 7; i++ {
		sg[i] = b.d[i] >> 15
		w := -step
		if sg[i] == sg[0] {
			w = step
		}
		b.bp[i] = sat(w + (b.b[i]*32640)>>15)
	}

	// DELAYA
	for i := 6; i > 0; i-- {
		b.d[i] = b.d[i-1]
		b.b[i] = b.bp[i]
	}
	for i := 2; i > 0; i-- {
		b.r[i] = b.r[i-1]
		b.p[i] = b.p[i-1]
		b.a[i] = b.ap[i]
	}

	// FILTEP, FILTEZ, PREDIC
	wd1 = (b.a[1] * sat(b.r[1]+b.r[1])) >> 15
	wd2 = (b.a[2] * sat(b.r[2]+b.r[2])) >> 15
	b.sp = sat(wd1 + wd2)
	b.sz = 0
	for i := 6; i > 0; i-- {
		b.sz += (b.b[i] * sat(b.d[i]+b.d[i])) >> 15
	}
	b.sz = sat(b.sz)
	b.s = sat(b.sp + b.sz)
}

// scaleLow is LOGSCL+SCALEL: adapt the low band's step size to the code just sent.
func (b *band) scaleLow(ril int32) {
	nb := (b.nb*127)>>7 + wl[rl42[ril]]
	b.nb = max(min(nb, 18432), 0)
	b.det = scale(b.nb, 8)
}

// scaleHigh is LOGSCH+SCALEH for the high band.
func (b *band) scaleHigh(ih int32) {
	nb := (b.nb*127)>>7 + wh[rh2[ih]]
	b.nb = max(min(nb, 22528), 0)
	b.det = scale(b.nb, 10)
}

func scale(nb, shift int32) int32 {
	wd1 := (nb >> 6) & 31
	wd2 := shift - (nb >> 11)
	if wd2 < 0 {
		return (ilb[wd1] << -wd2) << 2
	}
	return (ilb[wd1] >> wd2) << 2
}

func newBands() [2]band {
	var b [2]band
	b[0].det = 32
	b[1].det = 8
	return b
}
