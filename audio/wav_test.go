package audio

import (
	"bytes"
	"encoding/binary"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

func TestWAVRoundTrip(t *testing.T) {
	tests := []struct {
		name     string
		rate     int
		channels int
		samples  []int16
	}{
		{"8k mono", 8000, 1, []int16{0, 1, -1, 32767, -32768, 1234}},
		{"48k stereo", 48000, 2, []int16{1, 2, 3, 4, -5, -6}},
		{"empty", 16000, 1, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var b bytes.Buffer
			if err := EncodeWAV(&b, PCM{Rate: tt.rate, Channels: tt.channels, Samples: tt.samples}); err != nil {
				t.Fatal(err)
			}
			p, err := DecodeWAV(&b)
			if err != nil {
				t.Fatal(err)
			}
			if p.Rate != tt.rate || p.Channels != tt.channels || !slices.Equal(p.Samples, tt.samples) {
				t.Errorf("got %+v, want rate %d channels %d samples %v", p, tt.rate, tt.channels, tt.samples)
			}
		})
	}
}

// rawWAV builds a WAV with an arbitrary fmt chunk, an extra chunk before it, and data.
func rawWAV(format, channels uint16, rate uint32, bits uint16, extensible bool, data []byte) []byte {
	le := binary.LittleEndian
	var fmtc []byte
	fmtc = le.AppendUint16(fmtc, format)
	if extensible {
		fmtc = le.AppendUint16(fmtc[:0], wavFormatExtensible)
	}
	fmtc = le.AppendUint16(fmtc, channels)
	fmtc = le.AppendUint32(fmtc, rate)
	fmtc = le.AppendUint32(fmtc, rate*uint32(channels*bits/8))
	fmtc = le.AppendUint16(fmtc, channels*bits/8)
	fmtc = le.AppendUint16(fmtc, bits)
	if extensible {
		fmtc = le.AppendUint16(fmtc, 22)
		fmtc = le.AppendUint16(fmtc, bits)
		fmtc = le.AppendUint32(fmtc, 4)
		fmtc = le.AppendUint16(fmtc, format)
		fmtc = append(fmtc, make([]byte, 14)...)
	}
	var b []byte
	b = append(b, "RIFF\x00\x00\x00\x00WAVE"...)
	b = append(b, "LIST\x03\x00\x00\x00abc\x00"...) // odd size: padded
	b = append(b, "fmt "...)
	b = le.AppendUint32(b, uint32(len(fmtc)))
	b = append(b, fmtc...)
	b = append(b, "data"...)
	b = le.AppendUint32(b, uint32(len(data)))
	return append(b, data...)
}

func TestDecodeWAVFormats(t *testing.T) {
	le := binary.LittleEndian
	f32 := func(vs ...float32) (b []byte) {
		for _, v := range vs {
			b = le.AppendUint32(b, math.Float32bits(v))
		}
		return b
	}
	tests := []struct {
		name       string
		format     uint16
		bits       uint16
		extensible bool
		data       []byte
		want       []int16
	}{
		{"8-bit unsigned", wavFormatPCM, 8, false, []byte{128, 255, 0}, []int16{0, 127 << 8, -32768}},
		{"16-bit", wavFormatPCM, 16, false, []byte{0x34, 0x12, 0xff, 0xff}, []int16{0x1234, -1}},
		{"24-bit", wavFormatPCM, 24, false, []byte{0xff, 0x34, 0x12, 0x00, 0x00, 0x80}, []int16{0x1234, -32768}},
		{"32-bit", wavFormatPCM, 32, false, []byte{0, 0, 0x34, 0x12}, []int16{0x1234}},
		{"float", wavFormatFloat, 32, false, f32(0.5, -1, 2), []int16{16384, -32768, 32767}},
		{"extensible 16-bit", wavFormatPCM, 16, true, []byte{0x34, 0x12}, []int16{0x1234}},
		{"truncated data", wavFormatPCM, 16, false, []byte{1, 0, 2}, []int16{1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p, err := DecodeWAV(bytes.NewReader(rawWAV(tt.format, 1, 8000, tt.bits, tt.extensible, tt.data)))
			if err != nil {
				t.Fatal(err)
			}
			if !slices.Equal(p.Samples, tt.want) {
				t.Errorf("samples %v, want %v", p.Samples, tt.want)
			}
		})
	}
}

func TestDecodeWAVRejects(t *testing.T) {
	tests := []struct {
		name string
		in   []byte
	}{
		{"not riff", []byte("RIFX\x00\x00\x00\x00WAVE")},
		{"a-law", rawWAV(6, 1, 8000, 8, false, []byte{1})},
		{"12-bit", rawWAV(wavFormatPCM, 1, 8000, 12, false, []byte{1, 2})},
		{"no channels", rawWAV(wavFormatPCM, 0, 8000, 16, false, nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := DecodeWAV(bytes.NewReader(tt.in)); !errors.Is(err, ErrWAVFormat) {
				t.Errorf("err = %v, want ErrWAVFormat", err)
			}
		})
	}
}

func TestWAVWriterFixesUpHeaderAsItGoes(t *testing.T) {
	path := filepath.Join(t.TempDir(), "w.wav")
	w, err := CreateWAV(path, SampleRate, 1)
	if err != nil {
		t.Fatal(err)
	}
	frame := sine(FrameSamples, 1000, 1000, SampleRate)
	for range 60 { // 1.2 s: one periodic fix-up after 1 s
		if err := w.Write(frame); err != nil {
			t.Fatal(err)
		}
	}
	// As a crash would leave it: header sizes cover the first second, the data is all there.
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := binary.LittleEndian.Uint32(b[40:]); got != 2*50*FrameSamples {
		t.Errorf("data size before Close = %d, want %d", got, 2*50*FrameSamples)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := DecodeWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	if len(p.Samples) != 60*FrameSamples || !slices.Equal(p.Samples[:FrameSamples], frame) {
		t.Errorf("after Close: %d samples, want %d", len(p.Samples), 60*FrameSamples)
	}
}
