package audio

import (
	"fmt"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The media path's per-frame work must not allocate: these tests hold it to that, and the
// benchmarks report ns and allocs per 20 ms frame.

func TestPerFrameWorkDoesNotAllocate(t *testing.T) {
	down, _ := NewResampler(48000, SampleRate)
	up, _ := NewResampler(SampleRate, 48000)
	in48, out48 := make([]int16, 960), make([]int16, 960)
	frame := sine(FrameSamples, 1000, 8000, SampleRate)
	g, _ := NewToneGenerator(RingTone)
	var m Meter
	ring := newFrameRing(4, FrameSamples)
	tests := []struct {
		name string
		fn   func()
	}{
		{"resample 48k to 8k", func() { down.Process(in48, frame) }},
		{"resample 8k to 48k", func() { up.Process(frame, out48) }},
		{"tone generator", func() { g.Fill(frame) }},
		{"meter", func() { m.Update(frame) }},
		{"ring push/pop", func() { ring.push(frame); ring.pop(frame) }},
	}
	for _, tt := range tests {
		tt.fn() // warm up: first calls may size buffers
		if n := testing.AllocsPerRun(100, tt.fn); n != 0 {
			t.Errorf("%s: %.1f allocations per frame, want 0", tt.name, n)
		}
	}
}

// TestNullStreamReadDoesNotAllocate: hundreds of paced streams must be cheap.
func TestNullStreamReadDoesNotAllocate(t *testing.T) {
	d := NewNullDevice()
	defer d.Close()
	s, _ := d.Open()
	frame := make([]int16, FrameSamples)
	_ = s.Read(frame)
	if n := testing.AllocsPerRun(5, func() { _ = s.Read(frame); _ = s.Write(frame) }); n != 0 {
		t.Errorf("%.1f allocations per null frame, want 0", n)
	}
}

func benchmarkResampler(b *testing.B, from, to int) {
	r, err := NewResampler(from, to)
	if err != nil {
		b.Fatal(err)
	}
	in := sine(from/50, 1000, 8000, from)
	out := make([]int16, r.MaxOut(len(in)))
	b.ReportAllocs()
	for b.Loop() {
		r.Process(in, out)
	}
}

func BenchmarkResample48kTo8k(b *testing.B) { benchmarkResampler(b, 48000, 8000) }
func BenchmarkResample8kTo48k(b *testing.B) { benchmarkResampler(b, 8000, 48000) }
func BenchmarkResample44kTo8k(b *testing.B) { benchmarkResampler(b, 44100, 8000) }
func BenchmarkResample8kTo44k(b *testing.B) { benchmarkResampler(b, 8000, 44100) }

func BenchmarkToneGeneratorDualTone(b *testing.B) {
	g, _ := NewToneGenerator(RingTone)
	frame := make([]int16, FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		g.Fill(frame)
	}
}

func BenchmarkToneGeneratorDTMF(b *testing.B) {
	plan, _ := DTMFTone('5')
	plan.Repeat = true
	g, _ := NewToneGenerator(plan)
	frame := make([]int16, FrameSamples)
	b.ReportAllocs()
	for b.Loop() {
		g.Fill(frame)
	}
}

func BenchmarkMeterUpdate(b *testing.B) {
	var m Meter
	frame := sine(FrameSamples, 1000, 8000, SampleRate)
	b.ReportAllocs()
	for b.Loop() {
		m.Update(frame)
	}
}

func BenchmarkDBFS(b *testing.B) {
	frame := sine(FrameSamples, 1000, 8000, SampleRate)
	b.ReportAllocs()
	for b.Loop() {
		DBFS(frame)
	}
}

// BenchmarkPortAudioMix is the device goroutine's per-frame work for 10 streams at a 48 kHz
// device: fan-out, mix and the conversion of their rate (once for all ten), without the
// device. The 48 kHz case is the Opus stream, which needs no conversion.
func BenchmarkPortAudioMix(b *testing.B) {
	for _, rate := range []int{8000, 16000, 48000} {
		b.Run(fmt.Sprintf("%d Hz streams", rate), func(b *testing.B) {
			d := &PortAudioDevice{stop: make(chan struct{})}
			if err := d.setBuffers(48000); err != nil {
				b.Fatal(err)
			}
			in := sine(960, 1000, 8000, 48000)
			var list []*paStream
			for range 10 {
				s, err := d.OpenRate(rate)
				if err != nil {
					b.Fatal(err)
				}
				list = append(list, s.(*paStream))
			}
			frame := make([]int16, FrameSamplesAt(rate))
			b.ReportAllocs()
			for b.Loop() {
				d.deliver(in)
				for _, s := range list {
					s.capture.pop(frame)
					s.play.push(frame)
				}
				d.mixStreams(d.played)
			}
		})
	}
}

// BenchmarkNullDevice500Streams is one 20 ms tick of 500 concurrent null streams (500 calls'
// clocks); it reports the CPU each tick costs, which must stay far below the 20 ms.
func BenchmarkNullDevice500Streams(b *testing.B) {
	const n = 500
	d := NewNullDevice()
	defer d.Close()
	streams := make([]Stream, n)
	for i := range streams {
		streams[i], _ = d.Open()
	}
	frames := make([][]int16, n)
	for i := range frames {
		frames[i] = make([]int16, FrameSamples)
	}
	var cpu0 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &cpu0)
	b.ResetTimer()
	var wg sync.WaitGroup
	for i, s := range streams { // one goroutine per call, as the media layer has
		wg.Go(func() {
			for range b.N {
				_ = s.Read(frames[i])
				_ = s.Write(frames[i])
			}
		})
	}
	wg.Wait()
	var cpu1 syscall.Rusage
	_ = syscall.Getrusage(syscall.RUSAGE_SELF, &cpu1)
	used := time.Duration(cpu1.Utime.Nano() + cpu1.Stime.Nano() - cpu0.Utime.Nano() - cpu0.Stime.Nano())
	b.ReportMetric(float64(used.Microseconds())/float64(b.N), "cpu-µs/tick")
}
