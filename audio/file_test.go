package audio

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"sync"
	"testing"
)

func writeWAV(t *testing.T, path string, p PCM) {
	t.Helper()
	var b bytes.Buffer
	if err := EncodeWAV(&b, p); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, b.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

func readWAV(t *testing.T, path string) PCM {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := DecodeWAV(f)
	if err != nil {
		t.Fatalf("decoding %s: %v", path, err)
	}
	return p
}

// ramp is 0, 1, 2, ... n-1: every sample says where it came from.
func ramp(n int) []int16 {
	s := make([]int16, n)
	for i := range s {
		s[i] = int16(i)
	}
	return s
}

func TestFileDevicePlaysLoopedFromStartPerStream(t *testing.T) {
	dir := t.TempDir()
	play := filepath.Join(dir, "play.wav")
	const n = 250 // not a multiple of a frame: the loop wraps inside frames
	writeWAV(t, play, PCM{Rate: SampleRate, Channels: 1, Samples: ramp(n)})
	d, err := NewFileDevice(play, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	var wg sync.WaitGroup
	for range 3 {
		s, err := d.Open()
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			defer s.Close()
			frame := make([]int16, FrameSamples)
			for f := range 4 {
				if err := s.Read(frame); err != nil {
					t.Error(err)
					return
				}
				for i, v := range frame {
					if want := int16((f*FrameSamples + i) % n); v != want {
						t.Errorf("frame %d sample %d = %d, want %d", f, i, v, want)
						return
					}
				}
			}
		})
	}
	wg.Wait()
}

func TestFileDeviceRecordsEachStreamToItsOwnFile(t *testing.T) {
	dir := t.TempDir()
	rec := filepath.Join(dir, "rec.wav")
	d, err := NewFileDevice("", rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		path   string
		frames int
	}{
		{rec, 3},
		{filepath.Join(dir, "rec-2.wav"), 1},
		{filepath.Join(dir, "rec-3.wav"), 0},
	}
	var streams []Stream
	for i, tt := range tests {
		s, err := d.Open()
		if err != nil {
			t.Fatal(err)
		}
		streams = append(streams, s)
		for f := range tt.frames {
			frame := slices.Repeat([]int16{int16(100*i + f)}, FrameSamples)
			if err := s.Write(frame); err != nil {
				t.Fatal(err)
			}
		}
	}
	if err := streams[1].Close(); err != nil { // one closed early, the rest by the device
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	for i, tt := range tests {
		p := readWAV(t, tt.path)
		if p.Rate != SampleRate || p.Channels != 1 || len(p.Samples) != tt.frames*FrameSamples {
			t.Errorf("%s: rate %d, %d channels, %d samples; want 8000, 1, %d", tt.path, p.Rate, p.Channels, len(p.Samples), tt.frames*FrameSamples)
			continue
		}
		for f := range tt.frames {
			if got := p.Samples[f*FrameSamples]; got != int16(100*i+f) {
				t.Errorf("%s frame %d = %d, want %d", tt.path, f, got, 100*i+f)
			}
		}
	}
}

func TestFileDeviceUnusedRecordFileIsValid(t *testing.T) {
	rec := filepath.Join(t.TempDir(), "rec.wav")
	d, err := NewFileDevice("", rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if p := readWAV(t, rec); len(p.Samples) != 0 {
		t.Errorf("%d samples in an unused recording", len(p.Samples))
	}
}

func TestFileDeviceErrors(t *testing.T) {
	dir := t.TempDir()
	notWAV := filepath.Join(dir, "not.wav")
	if err := os.WriteFile(notWAV, []byte("hello"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name         string
		play, record string
		want         error
	}{
		{"missing play file", filepath.Join(dir, "none.wav"), "", os.ErrNotExist},
		{"not a WAV", notWAV, "", nil},
		{"record dir missing", "", filepath.Join(dir, "no", "such", "dir.wav"), os.ErrNotExist},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := NewFileDevice(tt.play, tt.record, nil)
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Errorf("err = %v, want %v", err, tt.want)
			}
		})
	}
}

// TestFileDevicePlaysWhatSoxMakes: files of other rates and channel counts are converted to
// 8 kHz mono and keep their tone and level.
func TestFileDevicePlaysWhatSoxMakes(t *testing.T) {
	sox := needTool(t, "sox")
	tests := []struct {
		name string
		args []string
	}{
		{"16k mono", []string{"-r", "16000", "-c", "1", "-b", "16"}},
		{"44.1k stereo", []string{"-r", "44100", "-c", "2", "-b", "16"}},
		{"48k 24-bit", []string{"-r", "48000", "-c", "1", "-b", "24"}},
		{"8k mono", []string{"-r", "8000", "-c", "1", "-b", "16"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(t.TempDir(), "tone.wav")
			args := append([]string{"-n"}, tt.args...)
			args = append(args, path, "synth", "1", "sine", "1000", "vol", "0.25")
			if out, err := exec.Command(sox, args...).CombinedOutput(); err != nil {
				t.Fatalf("sox %v: %v\n%s", args, err, out)
			}
			d, err := NewFileDevice(path, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if got := len(d.play); got < 7990 || got > 8010 {
				t.Errorf("1 s file is %d samples at 8 kHz", got)
			}
			s, err := d.Open()
			if err != nil {
				t.Fatal(err)
			}
			var got []int16
			frame := make([]int16, FrameSamples)
			for range 10 {
				if err := s.Read(frame); err != nil {
					t.Fatal(err)
				}
				got = append(got, frame...)
			}
			near(t, "frequency", zeroCrossingFreq(got, SampleRate), 1000, 2)
			near(t, "amplitude at 1 kHz", goertzel(got, 1000, SampleRate), 0.25*32768, 0.25*32768*0.03)
		})
	}
}
