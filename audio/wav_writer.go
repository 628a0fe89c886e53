package audio

import (
	"encoding/binary"
	"fmt"
	"os"
)

// wavFlushEvery is how many samples a WAVWriter writes between header fix-ups (1 s at 8 kHz):
// a crash then leaves a file whose header misses at most about a second.
const wavFlushEvery = SampleRate

// WAVWriter writes a 16-bit PCM WAV file as it goes. Samples go straight to the file; the
// header's sizes are fixed up every second and on Close.
type WAVWriter struct {
	f        *os.File
	path     string
	rate     int
	channels int
	bytes    uint32 // data bytes written
	unsynced int    // samples since the last header fix-up
	buf      []byte // reused: no allocation per frame
}

// CreateWAV creates (or truncates) path for 16-bit PCM at rate and channels.
func CreateWAV(path string, rate, channels int) (*WAVWriter, error) {
	f, err := os.Create(path)
	if err != nil {
		return nil, fmt.Errorf("creating WAV file: %w", err)
	}
	w := &WAVWriter{f: f, path: path, rate: rate, channels: channels, buf: make([]byte, 2*FrameSamples)}
	hdr := wavHeader(rate, channels, 0)
	if _, err := f.Write(hdr[:]); err != nil {
		_ = f.Close()
		return nil, fmt.Errorf("writing WAV header to %s: %w", path, err)
	}
	return w, nil
}

// Path is the file being written.
func (w *WAVWriter) Path() string { return w.path }

// Write appends interleaved samples.
func (w *WAVWriter) Write(samples []int16) error {
	if cap(w.buf) < 2*len(samples) {
		w.buf = make([]byte, 2*len(samples))
	}
	b := w.buf[:2*len(samples)]
	putSamples(b, samples)
	if _, err := w.f.Write(b); err != nil {
		return fmt.Errorf("writing WAV data to %s: %w", w.path, err)
	}
	w.bytes += uint32(len(b))
	w.unsynced += len(samples)
	if w.unsynced >= wavFlushEvery*w.channels {
		return w.Flush()
	}
	return nil
}

// Flush fixes up the header sizes for what was written so far.
func (w *WAVWriter) Flush() error {
	w.unsynced = 0
	var b [4]byte
	binary.LittleEndian.PutUint32(b[:], 36+w.bytes)
	if _, err := w.f.WriteAt(b[:], 4); err != nil {
		return fmt.Errorf("fixing up WAV header of %s: %w", w.path, err)
	}
	binary.LittleEndian.PutUint32(b[:], w.bytes)
	if _, err := w.f.WriteAt(b[:], 40); err != nil {
		return fmt.Errorf("fixing up WAV header of %s: %w", w.path, err)
	}
	return nil
}

// Close fixes up the header and closes the file.
func (w *WAVWriter) Close() error {
	err := w.Flush()
	if cerr := w.f.Close(); err == nil && cerr != nil {
		err = fmt.Errorf("closing WAV file %s: %w", w.path, cerr)
	}
	return err
}
