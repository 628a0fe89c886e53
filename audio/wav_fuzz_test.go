package audio

import (
	"bytes"
	"slices"
	"testing"
)

// FuzzDecodeWAV: any input either fails with an error or decodes to whole sample frames that
// survive an encode/decode round trip unchanged.
func FuzzDecodeWAV(f *testing.F) {
	var b bytes.Buffer
	_ = EncodeWAV(&b, PCM{Rate: 8000, Channels: 1, Samples: []int16{1, -2, 3}})
	f.Add(b.Bytes())
	f.Add(rawWAV(wavFormatPCM, 2, 44100, 24, false, []byte{1, 2, 3, 4, 5, 6}))
	f.Add(rawWAV(wavFormatFloat, 1, 48000, 32, true, []byte{0, 0, 0x80, 0x3f}))
	f.Add(rawWAV(wavFormatPCM, 1, 8000, 8, false, []byte{0, 128, 255}))
	f.Add([]byte("RIFF\xff\xff\xff\xffWAVEdata\xff\xff\xff\xff"))
	f.Fuzz(func(t *testing.T, in []byte) {
		p, err := DecodeWAV(bytes.NewReader(in))
		if err != nil {
			return
		}
		if p.Channels <= 0 || p.Rate <= 0 || len(p.Samples)%p.Channels != 0 {
			t.Fatalf("decoded %d samples, %d channels at %d Hz", len(p.Samples), p.Channels, p.Rate)
		}
		var out bytes.Buffer
		if err := EncodeWAV(&out, p); err != nil {
			t.Fatal(err)
		}
		q, err := DecodeWAV(&out)
		if err != nil {
			t.Fatalf("re-decoding: %v", err)
		}
		if q.Rate != p.Rate || q.Channels != p.Channels || !slices.Equal(q.Samples, p.Samples) {
			t.Fatal("round trip changed the audio")
		}
	})
}
