package g722

import (
	"math"
	"testing"
)

func tone(freq float64, n int, amp float64) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(amp * math.Sin(2*math.Pi*freq*float64(i)/16000))
	}
	return s
}

// power is the signal's mean power at freq (Goertzel), relative to the total power.
func share(s []int16, freq float64) float64 {
	w := 2 * math.Pi * freq / 16000
	c := 2 * math.Cos(w)
	var s1, s2, total float64
	for _, v := range s {
		x := float64(v)
		s0 := x + c*s1 - s2
		s2, s1 = s1, s0
		total += x * x
	}
	p := s1*s1 + s2*s2 - c*s1*s2
	return p / (float64(len(s)) / 2) / total
}

// A tone anywhere in the 50-7000 Hz band survives encode + decode, including those G.711 cannot
// carry; the QMF delay (22 samples) is skipped before measuring.
func TestRoundTripTones(t *testing.T) {
	for _, tc := range []struct {
		freq float64
		amp  float64
	}{
		{300, 8000}, {1000, 16000}, {3000, 8000}, {6000, 8000}, {7000, 4000}, {1000, 200},
	} {
		in := tone(tc.freq, 16000, tc.amp)
		enc, dec := NewEncoder(), NewDecoder()
		bits := make([]byte, len(in)/2)
		if n := enc.Encode(bits, in); n != len(bits) {
			t.Fatalf("%v Hz: encoded %d bytes, want %d", tc.freq, n, len(bits))
		}
		out := make([]int16, len(in))
		if n := dec.Decode(out, bits); n != len(out) {
			t.Fatalf("%v Hz: decoded %d samples, want %d", tc.freq, n, len(out))
		}
		tail := out[4000:]
		if got := share(tail, tc.freq); got < 0.9 {
			t.Errorf("%v Hz at %v: %.2f of the decoded power is at the tone, want >= 0.9", tc.freq, tc.amp, got)
		}
		var pin, pout float64
		for i, v := range tail {
			pout += float64(v) * float64(v)
			x := float64(in[4000+i])
			pin += x * x
		}
		if r := 10 * math.Log10(pout/pin); r < -2 || r > 2 {
			t.Errorf("%v Hz at %v: level changed by %.1f dB", tc.freq, tc.amp, r)
		}
	}
}

func TestSilenceStaysQuiet(t *testing.T) {
	enc, dec := NewEncoder(), NewDecoder()
	in := make([]int16, 3200)
	bits := make([]byte, 1600)
	enc.Encode(bits, in)
	out := make([]int16, 3200)
	dec.Decode(out, bits)
	for i, v := range out {
		if v > 8 || v < -8 {
			t.Fatalf("sample %d of decoded silence is %d", i, v)
		}
	}
}

func TestShortBuffers(t *testing.T) {
	for _, tc := range []struct {
		name           string
		pcm, dst       int
		wantEnc        int
		bytes, samples int
		wantDec        int
	}{
		{"odd pcm", 5, 10, 2, 3, 10, 3},
		{"small dst", 320, 10, 10, 160, 15, 7},
		{"empty", 0, 0, 0, 0, 0, 0},
	} {
		if n := NewEncoder().Encode(make([]byte, tc.dst), make([]int16, tc.pcm)); n != tc.wantEnc {
			t.Errorf("%s: Encode = %d, want %d", tc.name, n, tc.wantEnc)
		}
		if n := NewDecoder().Decode(make([]int16, tc.samples), make([]byte, tc.bytes)); n != 2*tc.wantDec {
			t.Errorf("%s: Decode = %d, want %d", tc.name, n, 2*tc.wantDec)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte{0, 0xff, 0x3f, 0xc0})
	f.Fuzz(func(t *testing.T, b []byte) {
		d := NewDecoder()
		out := make([]int16, 2*len(b))
		if n := d.Decode(out, b); n != len(out) {
			t.Fatalf("decoded %d of %d", n, len(out))
		}
	})
}

func BenchmarkEncode20ms(b *testing.B) {
	in := tone(1000, 320, 8000)
	out := make([]byte, 160)
	e := NewEncoder()
	b.ReportAllocs()
	for b.Loop() {
		e.Encode(out, in)
	}
}

func BenchmarkDecode20ms(b *testing.B) {
	in := tone(1000, 320, 8000)
	bits := make([]byte, 160)
	NewEncoder().Encode(bits, in)
	out := make([]int16, 320)
	d := NewDecoder()
	b.ReportAllocs()
	for b.Loop() {
		d.Decode(out, bits)
	}
}
