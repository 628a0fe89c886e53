package media

import (
	"fmt"
	"math"
	"runtime"
	"syscall"
	"testing"
)

// The encoder gets the complexity and bitrate the config asked for; the zero OpusParams gets the
// default complexity and libopus's automatic bitrate.
func TestOpusEncoderSettings(t *testing.T) {
	tests := []struct {
		name           string
		p              OpusParams
		wantComplexity int
		wantBitrate    int // 0: not checked (automatic)
	}{
		{"zero: the default (CELT's on a clean network)", OpusParams{}, celtComplexity, 0},
		{"complexity 0", OpusParams{Complexity: OpusComplexity(0)}, 0, 0},
		{"complexity 10", OpusParams{Complexity: OpusComplexity(10)}, 10, 0},
		{"complexity 3, 24 kbit/s", OpusParams{Complexity: OpusComplexity(3), Bitrate: 24000}, 3, 24000},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			o, err := newOpusCoder(tt.p)
			if err != nil {
				t.Fatal(err)
			}
			c, err := o.enc.Complexity()
			if err != nil || c != tt.wantComplexity {
				t.Errorf("complexity = %d (%v), want %d", c, err, tt.wantComplexity)
			}
			if tt.wantBitrate != 0 {
				if b, err := o.enc.Bitrate(); err != nil || b != tt.wantBitrate {
					t.Errorf("bitrate = %d (%v), want %d", b, err, tt.wantBitrate)
				}
			}
		})
	}
}

// voiceLike is n samples at 48 kHz of a voiced sound: a 120-180 Hz gliding fundamental with
// harmonics falling 6 dB per octave, syllable-rate amplitude modulation and a little noise.
func voiceLike(n int) []int16 {
	out := make([]int16, n)
	var phase float64
	seed := uint32(1)
	for i := range out {
		t := float64(i) / 48000
		f0 := 150 + 30*math.Sin(2*math.Pi*0.7*t)
		phase += 2 * math.Pi * f0 / 48000
		var v float64
		for h := 1; h <= 20 && float64(h)*f0 < 7000; h++ {
			v += math.Sin(float64(h)*phase) / float64(h)
		}
		seed = seed*1664525 + 1013904223
		noise := float64(int32(seed)) / math.MaxInt32 * 0.02
		env := 0.55 + 0.45*math.Sin(2*math.Pi*4*t)
		out[i] = int16(6000 * (env*v + noise))
	}
	return out
}

// snrDB is the signal-to-noise ratio of got against want, got delayed by the codec: the delay
// (0-20 ms) that gives the best ratio is taken.
func snrDB(want, got []int16) float64 {
	best := math.Inf(-1)
	for d := 0; d < 960; d++ {
		var s, e float64
		for i := 4800; i+d < len(got) && i < len(want); i++ { // skip the first 100 ms
			x, y := float64(want[i]), float64(got[i+d])
			s += x * x
			e += (x - y) * (x - y)
		}
		if e > 0 {
			best = max(best, 10*math.Log10(s/e))
		}
	}
	return best
}

// threadCPU is the CPU time this OS thread has used (user+system, ns): on a shared box it counts
// the work, not the wait for a core.
func threadCPU() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(rusageThread, &ru); err != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

// rusageThread is Linux's RUSAGE_THREAD.
const rusageThread = 1

// BenchmarkOpusComplexity: the encode cost of one 20 ms voice frame at each complexity, at 32
// kbit/s (an explicit rate: libopus's mode choice, FEC for 10 % loss) and with the default policy
// (bitrate 0: CELT 64 kbit/s on a clean network); cpu-ns/op is this thread's CPU time, steadier
// than ns/op on a shared box; snr-dB, the SNR of 2 s of voice-like sound through encoder and
// decoder (higher is closer to the input), a rough quality figure.
func BenchmarkOpusComplexity(b *testing.B) {
	pcm := voiceLike(2 * 48000)
	for _, bitrate := range []int{32000, 0} {
		for _, c := range []int{0, 3, 5, 8, 10} {
			name := fmt.Sprintf("bitrate=%d/complexity=%d", bitrate, c)
			b.Run(name, func(b *testing.B) {
				o, err := newOpusCoder(OpusParams{FEC: true, Complexity: OpusComplexity(c), Bitrate: bitrate})
				if err != nil {
					b.Fatal(err)
				}
				var pkt [1500]byte
				got := make([]int16, 0, len(pcm))
				var frame [960]int16
				for i := 0; i+960 <= len(pcm); i += 960 {
					n := o.encode(pkt[:], pcm[i:i+960])
					got = append(got, frame[:o.decode(frame[:], pkt[:n])]...)
				}
				snr := snrDB(pcm, got)
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				b.ReportAllocs()
				i, ops, cpu0 := 0, 0, threadCPU()
				for b.Loop() {
					o.encode(pkt[:], pcm[i:i+960])
					i = (i + 960) % (len(pcm) - 960)
					ops++
				}
				b.ReportMetric(float64(threadCPU()-cpu0)/float64(ops), "cpu-ns/op")
				b.ReportMetric(snr, "snr-dB")
			})
		}
	}
}
