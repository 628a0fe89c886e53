package audio

import "testing"

// TestOutputAllowance: each output underflow allows a block more in the device's output
// buffer, up to all of it; outputCalmFrames clean writes allow one less, down to outputQueued.
func TestOutputAllowance(t *testing.T) {
	steps := []struct {
		name       string
		underflows int
		writes     int
		want       int
	}{
		{"start", 0, 0, outputQueued},
		{"calm keeps the least", 0, 3 * outputCalmFrames, outputQueued},
		{"an underflow allows one more", 1, 0, outputQueued + 1},
		{"three more reach the whole buffer", 3, 0, 6},
		{"never past the buffer", 5, 0, 6},
		{"not narrowed before the calm is over", 0, outputCalmFrames - 1, 6},
		{"narrowed a block after it", 0, 1, 5},
		{"an underflow restarts the calm", 1, outputCalmFrames - 1, 6},
		{"long calm comes back down", 0, 10 * outputCalmFrames, outputQueued},
	}
	d := &PortAudioDevice{rate: 48000, outSize: 6 * 960, outAllow: outputQueued}
	for _, s := range steps {
		for range s.underflows {
			d.outputUnderflowed()
		}
		for range s.writes {
			d.outputWritten()
		}
		if d.outAllow != s.want {
			t.Fatalf("%s: %d blocks allowed, want %d", s.name, d.outAllow, s.want)
		}
	}
}
