package audio

import (
	"fmt"
	"log/slog"
	"path/filepath"
	"strings"
	"sync"
)

// FileDevice plays a WAV file as what the phone captures and records what the phone plays.
//
// Several streams at once: every stream plays the file from its start, looped, on its own
// clock. Every stream records to its own file: the first stream opened on the device to the
// record path itself (Y.wav), the n-th to Y-n.wav (Y-2.wav, Y-3.wav, ...), whether or not the
// earlier ones are still open, so no call's audio is overwritten or mixed with another's.
// A recording holds exactly the frames written, one after another, with no gaps filled in.
type FileDevice struct {
	playPath, recordPath string
	play                 []int16 // 8 kHz mono, shared read-only by all streams; nil: silence
	log                  *slog.Logger
	streams              streamSet
	counters             pacedCounters

	mu        sync.Mutex
	first     *WAVWriter      // created at open so a bad record path fails early; taken by stream 1
	playRates map[int][]int16 // the play file at other rates than SampleRate (OpenRate)
	nrec      int             // streams that have recorded so far
}

var (
	_ Device   = (*FileDevice)(nil)
	_ Reporter = (*FileDevice)(nil)
)

// NewFileDevice loads playPath (any WAV DecodeWAV reads, converted to 8 kHz mono) and creates
// recordPath (8 kHz 16-bit mono). Either may be empty: silence is played, nothing recorded.
func NewFileDevice(playPath, recordPath string, log *slog.Logger) (*FileDevice, error) {
	d := &FileDevice{playPath: playPath, recordPath: recordPath, log: orDiscard(log)}
	if playPath != "" {
		s, err := LoadWAV(playPath)
		if err != nil {
			return nil, err
		}
		if len(s) == 0 {
			d.log.Warn("play file has no audio: playing silence", "path", playPath)
		}
		d.play = s
	}
	if recordPath != "" {
		w, err := CreateWAV(recordPath, SampleRate, 1)
		if err != nil {
			return nil, fmt.Errorf("opening record file: %w", err)
		}
		d.first = w
	}
	return d, nil
}

// LoadWAV reads a WAV file and converts it to 8 kHz mono.
func LoadWAV(path string) ([]int16, error) {
	p, err := loadWAVFile(path)
	if err != nil {
		return nil, err
	}
	s, err := Resample(p.Mono(), p.Rate, SampleRate)
	if err != nil {
		return nil, fmt.Errorf("converting play file %s to 8 kHz: %w", path, err)
	}
	return s, nil
}

// Name says what is played and recorded, e.g. "file: play=a.wav record=b.wav".
func (d *FileDevice) Name() string {
	parts := []string{"file:"}
	if d.playPath != "" {
		parts = append(parts, "play="+d.playPath)
	}
	if d.recordPath != "" {
		parts = append(parts, "record="+d.recordPath)
	}
	if len(parts) == 1 {
		parts = append(parts, "silence")
	}
	return strings.Join(parts, " ")
}

// Open gives a stream that plays the file from its start and records to its own file.
func (d *FileDevice) Open() (Stream, error) {
	var sink frameSink = discard{}
	if d.recordPath != "" {
		w, err := d.nextRecorder()
		if err != nil {
			return nil, err
		}
		d.log.Debug("recording stream", "path", w.Path())
		sink = recorder{w}
	}
	var src frameSource = silence{}
	if len(d.play) > 0 {
		src = &loop{samples: d.play}
	}
	return newPacedStream(&d.streams, &d.counters, src, sink)
}

func (d *FileDevice) nextRecorder() (*WAVWriter, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.nrec++
	if d.nrec == 1 && d.first != nil {
		w := d.first
		d.first = nil
		return w, nil
	}
	path := numberedPath(d.recordPath, d.nrec)
	w, err := CreateWAV(path, SampleRate, 1)
	if err != nil {
		return nil, fmt.Errorf("opening record file for stream %d: %w", d.nrec, err)
	}
	return w, nil
}

// numberedPath is Y.wav for n=1 and Y-n.wav after.
func numberedPath(path string, n int) string {
	if n <= 1 {
		return path
	}
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(path, ext), n, ext)
}

// Close stops every stream (their recordings are finalised) and finalises an unused record file.
func (d *FileDevice) Close() error {
	err := d.streams.closeAll()
	d.mu.Lock()
	w := d.first
	d.first = nil
	d.mu.Unlock()
	if w != nil {
		if cerr := w.Close(); err == nil {
			err = cerr
		}
	}
	return err
}

// Latency is zero: frames are read and written at once.
func (d *FileDevice) Latency() Latency { return Latency{} }

// Stats counts frames delivered and late frames over all streams.
func (d *FileDevice) Stats() Stats { return d.counters.stats() }

// loop plays samples over and over.
type loop struct {
	samples []int16
	pos     int
}

func (l *loop) fill(frame []int16) {
	for n := 0; n < len(frame); {
		c := copy(frame[n:], l.samples[l.pos:])
		n += c
		l.pos += c
		if l.pos == len(l.samples) {
			l.pos = 0
		}
	}
}

// recorder is a WAVWriter as a stream's sink.
type recorder struct{ w *WAVWriter }

func (r recorder) put(frame []int16) error { return r.w.Write(frame) }
func (r recorder) close() error            { return r.w.Close() }
