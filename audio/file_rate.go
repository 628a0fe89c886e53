package audio

import (
	"fmt"
	"os"
)

// OpenRate opens a stream at rate: the play file is converted to that rate and the recording is
// written at it (a wideband call records wideband).
func (d *FileDevice) OpenRate(rate int) (Stream, error) {
	if rate == SampleRate {
		return d.Open()
	}
	if err := checkRate(rate); err != nil {
		return nil, err
	}
	var src frameSource = silence{}
	if d.playPath != "" {
		play, err := d.playAt(rate)
		if err != nil {
			return nil, err
		}
		if len(play) > 0 {
			src = &loop{samples: play}
		}
	}
	var sink frameSink = discard{}
	if d.recordPath != "" {
		w, err := d.nextRecorder()
		if err != nil {
			return nil, err
		}
		// The recorder was created at 8 kHz (so a bad path fails early) and holds no audio yet:
		// make it again at this rate.
		path := w.Path()
		if err := w.Close(); err != nil {
			return nil, fmt.Errorf("reopening record file at %d Hz: %w", rate, err)
		}
		if w, err = CreateWAV(path, rate, 1); err != nil {
			return nil, fmt.Errorf("reopening record file at %d Hz: %w", rate, err)
		}
		d.log.Debug("recording stream", "path", path, "rate", rate)
		sink = recorder{w}
	}
	s, err := newPacedStream(&d.streams, &d.counters, src, sink)
	if err != nil {
		return nil, err
	}
	s.frame = FrameSamplesAt(rate)
	return s, nil
}

// playAt is the play file at rate, converted once per rate.
func (d *FileDevice) playAt(rate int) ([]int16, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if s, ok := d.playRates[rate]; ok {
		return s, nil
	}
	p, err := loadWAVFile(d.playPath)
	if err != nil {
		return nil, err
	}
	s, err := Resample(p.Mono(), p.Rate, rate)
	if err != nil {
		return nil, fmt.Errorf("converting play file %s to %d Hz: %w", d.playPath, rate, err)
	}
	if d.playRates == nil {
		d.playRates = map[int][]int16{}
	}
	d.playRates[rate] = s
	return s, nil
}

func loadWAVFile(path string) (PCM, error) {
	f, err := os.Open(path)
	if err != nil {
		return PCM{}, fmt.Errorf("opening play file: %w", err)
	}
	defer f.Close()
	p, err := DecodeWAV(f)
	if err != nil {
		return PCM{}, fmt.Errorf("reading play file %s: %w", path, err)
	}
	return p, nil
}
