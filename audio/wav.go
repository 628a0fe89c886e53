package audio

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
)

// PCM is decoded audio: interleaved 16-bit samples.
type PCM struct {
	Rate     int
	Channels int
	Samples  []int16 // interleaved, len = frames*Channels
}

// ErrWAVFormat means a WAV file is not one this package reads.
var ErrWAVFormat = errors.New("unsupported WAV file")

const (
	wavFormatPCM        = 1
	wavFormatFloat      = 3
	wavFormatExtensible = 0xFFFE
	wavHeaderSize       = 44
)

type wavFmt struct {
	format, channels uint16
	rate             uint32
	bits             uint16
}

// DecodeWAV reads a RIFF/WAVE stream: integer PCM of 8, 16, 24 or 32 bits or 32/64-bit float,
// any rate and channel count (WAVE_FORMAT_EXTENSIBLE included), converted to 16-bit.
// A data chunk whose size field is wrong (a recorder that crashed) is read to the end of input.
func DecodeWAV(r io.Reader) (PCM, error) {
	var riff [12]byte
	if _, err := io.ReadFull(r, riff[:]); err != nil {
		return PCM{}, fmt.Errorf("reading WAV header: %w", err)
	}
	if string(riff[0:4]) != "RIFF" || string(riff[8:12]) != "WAVE" {
		return PCM{}, fmt.Errorf("%w: not RIFF/WAVE", ErrWAVFormat)
	}
	var f *wavFmt
	for {
		var ch [8]byte
		if _, err := io.ReadFull(r, ch[:]); err != nil {
			return PCM{}, fmt.Errorf("reading WAV chunk header: %w", err)
		}
		id, size := string(ch[0:4]), binary.LittleEndian.Uint32(ch[4:8])
		switch id {
		case "fmt ":
			var err error
			if f, err = readWAVFmt(r, size); err != nil {
				return PCM{}, err
			}
		case "data":
			if f == nil {
				return PCM{}, fmt.Errorf("%w: data chunk before fmt chunk", ErrWAVFormat)
			}
			return readWAVData(r, size, f)
		default:
			if _, err := io.CopyN(io.Discard, r, int64(size)+int64(size&1)); err != nil {
				return PCM{}, fmt.Errorf("skipping WAV chunk %q: %w", id, err)
			}
		}
	}
}

func readWAVFmt(r io.Reader, size uint32) (*wavFmt, error) {
	if size < 16 || size > 1<<16 {
		return nil, fmt.Errorf("%w: fmt chunk of %d bytes", ErrWAVFormat, size)
	}
	b := make([]byte, size+size&1)
	if _, err := io.ReadFull(r, b); err != nil {
		return nil, fmt.Errorf("reading WAV fmt chunk: %w", err)
	}
	le := binary.LittleEndian
	f := &wavFmt{format: le.Uint16(b[0:]), channels: le.Uint16(b[2:]), rate: le.Uint32(b[4:]), bits: le.Uint16(b[14:])}
	if f.format == wavFormatExtensible {
		if size < 40 {
			return nil, fmt.Errorf("%w: short WAVE_FORMAT_EXTENSIBLE fmt chunk", ErrWAVFormat)
		}
		f.format = le.Uint16(b[24:]) // first two bytes of the sub-format GUID
	}
	switch {
	case f.channels == 0 || f.rate == 0:
		return nil, fmt.Errorf("%w: %d channels at %d Hz", ErrWAVFormat, f.channels, f.rate)
	case f.format == wavFormatPCM && (f.bits == 8 || f.bits == 16 || f.bits == 24 || f.bits == 32):
	case f.format == wavFormatFloat && (f.bits == 32 || f.bits == 64):
	default:
		return nil, fmt.Errorf("%w: format %d with %d bits (want PCM or float)", ErrWAVFormat, f.format, f.bits)
	}
	return f, nil
}

func readWAVData(r io.Reader, size uint32, f *wavFmt) (PCM, error) {
	// Read what is there rather than trust the size: a recorder that crashed leaves 0 (or a
	// stale size), a truncated file less, and a corrupt header must not make us allocate 4 GB.
	src := r
	if size != 0 && size != math.MaxUint32 {
		src = io.LimitReader(r, int64(size))
	}
	data, err := io.ReadAll(src)
	if err != nil {
		return PCM{}, fmt.Errorf("reading WAV data: %w", err)
	}
	width := int(f.bits / 8)
	n := len(data) / width
	n -= n % int(f.channels)
	out := make([]int16, n)
	le := binary.LittleEndian
	for i := range out {
		b := data[i*width:]
		switch {
		case f.format == wavFormatFloat && width == 4:
			out[i] = floatToInt16(float64(math.Float32frombits(le.Uint32(b))))
		case f.format == wavFormatFloat:
			out[i] = floatToInt16(math.Float64frombits(le.Uint64(b)))
		case width == 1:
			out[i] = int16(int(b[0])-128) << 8
		case width == 2:
			out[i] = int16(le.Uint16(b))
		case width == 3:
			out[i] = int16(uint16(b[1]) | uint16(b[2])<<8)
		default:
			out[i] = int16(le.Uint32(b) >> 16)
		}
	}
	return PCM{Rate: int(f.rate), Channels: int(f.channels), Samples: out}, nil
}

func floatToInt16(v float64) int16 { return clip16(math.Round(v * 32768)) }

// clip16 saturates v to the int16 range.
func clip16(v float64) int16 {
	switch {
	case v > math.MaxInt16:
		return math.MaxInt16
	case v < math.MinInt16:
		return math.MinInt16
	}
	return int16(v)
}

// EncodeWAV writes p as a 16-bit PCM WAV file.
func EncodeWAV(w io.Writer, p PCM) error {
	hdr := wavHeader(p.Rate, p.Channels, uint32(2*len(p.Samples)))
	if _, err := w.Write(hdr[:]); err != nil {
		return fmt.Errorf("writing WAV header: %w", err)
	}
	buf := make([]byte, 2*len(p.Samples))
	putSamples(buf, p.Samples)
	if _, err := w.Write(buf); err != nil {
		return fmt.Errorf("writing WAV data: %w", err)
	}
	return nil
}

// wavHeader is the canonical 44-byte header of 16-bit PCM with dataBytes of samples.
func wavHeader(rate, channels int, dataBytes uint32) [wavHeaderSize]byte {
	var h [wavHeaderSize]byte
	le := binary.LittleEndian
	copy(h[0:], "RIFF")
	le.PutUint32(h[4:], 36+dataBytes)
	copy(h[8:], "WAVEfmt ")
	le.PutUint32(h[16:], 16)
	le.PutUint16(h[20:], wavFormatPCM)
	le.PutUint16(h[22:], uint16(channels))
	le.PutUint32(h[24:], uint32(rate))
	le.PutUint32(h[28:], uint32(rate*channels*2))
	le.PutUint16(h[32:], uint16(channels*2))
	le.PutUint16(h[34:], 16)
	copy(h[36:], "data")
	le.PutUint32(h[40:], dataBytes)
	return h
}

func putSamples(dst []byte, s []int16) {
	for i, v := range s {
		binary.LittleEndian.PutUint16(dst[2*i:], uint16(v))
	}
}

// Mono averages interleaved channels into one.
func (p PCM) Mono() []int16 {
	if p.Channels <= 1 {
		return p.Samples
	}
	out := make([]int16, len(p.Samples)/p.Channels)
	for i := range out {
		sum := 0
		for c := range p.Channels {
			sum += int(p.Samples[i*p.Channels+c])
		}
		out[i] = int16(sum / p.Channels)
	}
	return out
}
