package audio

import (
	"fmt"
	"testing"
)

// TestPortAudioStreamRates runs the device goroutine's conversions without a device: a tone
// captured at the device's rate reaches a stream at the stream's rate, and a tone a stream
// plays at its rate (written, or pulled by the mix from its play source) is mixed at the
// device's, each at its level and frequency. 6 kHz is used where both rates carry it, 1 kHz
// otherwise.
func TestPortAudioStreamRates(t *testing.T) {
	tests := []struct{ device, stream, hz int }{
		{48000, 48000, 6000},
		{48000, 16000, 6000},
		{48000, 8000, 1000},
		{44100, 48000, 6000},
		{44100, 16000, 6000},
		{16000, 48000, 6000},
		{8000, 16000, 1000},
	}
	for _, pull := range []bool{false, true} {
		for _, tt := range tests {
			t.Run(fmt.Sprintf("device %d, stream %d, pulled %v", tt.device, tt.stream, pull), func(t *testing.T) {
				testStreamRate(t, tt.device, tt.stream, tt.hz, pull)
			})
		}
	}
}

// testStreamRate is one case of TestPortAudioStreamRates.
func testStreamRate(t *testing.T, device, stream, hz int, pull bool) {
	const amp, frames = 8000, 50
	d := &PortAudioDevice{stop: make(chan struct{})}
	if err := d.setBuffers(device); err != nil {
		t.Fatal(err)
	}
	block := d.block()
	st, err := d.OpenRate(stream)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	s := st.(*paStream)
	n := FrameSamplesAt(stream)
	in := sine(frames*block, float64(hz), amp, device)
	out := sine(frames*n, float64(hz), amp, stream)
	if pull {
		k := 0
		s.SetPlaySource(func(f []int16) {
			copy(f, out[k*n:(k+1)*n])
			k++
		})
	}
	var captured, played []int16
	frame := make([]int16, n)
	for i := range frames {
		d.deliver(in[i*block : (i+1)*block])
		if err := s.Read(frame); err != nil {
			t.Fatal(err)
		}
		captured = append(captured, frame...)
		if !pull {
			if err := s.Write(out[i*n : (i+1)*n]); err != nil {
				t.Fatal(err)
			}
		}
		d.mixStreams(d.played)
		played = append(played, d.played...)
	}
	// Skip the first 100 ms: the resamplers' start-up and the playback cushion.
	checkAt(t, "captured", captured[n*5:], stream, hz, amp)
	checkAt(t, "played", played[block*5:], device, hz, amp)
}

// checkAt checks that s is a tone of hz at amp: its amplitude there within 2 %, its RMS all
// of that tone's (nothing else added, such as aliases or clicks at frame joins).
func checkAt(t *testing.T, what string, s []int16, rate, hz int, amp float64) {
	t.Helper()
	s = s[:len(s)/(rate/100)*(rate/100)] // whole 10 ms: whole cycles of 1 and 6 kHz
	near(t, what+": amplitude at the tone", goertzel(s, float64(hz), rate), amp, amp*0.02)
	near(t, what+": RMS", rms(s), amp/1.4142135, amp*0.02)
}
