package g722

import (
	"bytes"
	"encoding/binary"
	"os"
	"testing"
)

// The reference files are a 1 s sweep 100-7500 Hz at 16 kHz (sox), encoded and decoded by
// FFmpeg's G.722 (an independent implementation of the ITU reference algorithm): our encoder
// must produce the same bits and our decoder the same samples.
func readPCM(t *testing.T, path string) []int16 {
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	s := make([]int16, len(b)/2)
	if err := binary.Read(bytes.NewReader(b), binary.LittleEndian, s); err != nil {
		t.Fatal(err)
	}
	return s
}

func TestMatchesFFmpeg(t *testing.T) {
	in := readPCM(t, "testdata/sweep16k.raw")
	ref, err := os.ReadFile("testdata/sweep.g722")
	if err != nil {
		t.Fatal(err)
	}
	refDec := readPCM(t, "testdata/sweep-dec16k.raw")

	bits := make([]byte, len(in)/2)
	enc := NewEncoder()
	for i := 0; i < len(in); i += 320 { // 20 ms packets, state carried across
		enc.Encode(bits[i/2:], in[i:min(i+320, len(in))])
	}
	diff := 0
	for i := range bits {
		if bits[i] != ref[i] {
			diff++
		}
	}
	if diff != 0 {
		t.Errorf("encoder: %d of %d bytes differ from FFmpeg's", diff, len(bits))
	}

	out := make([]int16, len(ref)*2)
	NewDecoder().Decode(out, ref)
	diff = 0
	for i := range out {
		if out[i] != refDec[i] {
			diff++
		}
	}
	if diff != 0 {
		t.Errorf("decoder: %d of %d samples differ from FFmpeg's", diff, len(out))
	}
}
