package audio

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
)

func TestOpenRate(t *testing.T) {
	dir := t.TempDir()
	play := filepath.Join(dir, "play.wav")
	w, err := CreateWAV(play, 8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	tone := make([]int16, 800)
	for i := range tone {
		tone[i] = 1000
	}
	if err := w.Write(tone); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(dir, "rec.wav")
	fd, err := NewFileDevice(play, rec, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer fd.Close()
	null := NewNullDevice()
	defer null.Close()

	tests := []struct {
		name  string
		dev   RateOpener
		rate  int
		frame int
		err   bool
	}{
		{"file 48k", fd, 48000, 960, false},
		{"file 16k", fd, 16000, 320, false},
		{"null 16k", null, 16000, 320, false},
		{"null 44.1k refused", null, 44100, 0, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st, err := tt.dev.OpenRate(tt.rate)
			if tt.err {
				if err == nil {
					_ = st.Close()
					t.Fatal("opened")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			if got := FrameSamplesAt(tt.rate); got != tt.frame {
				t.Errorf("FrameSamplesAt(%d) = %d", tt.rate, got)
			}
			frame := make([]int16, tt.frame)
			if err := st.Read(frame); err != nil {
				t.Fatal(err)
			}
			if err := st.Write(frame); err != nil {
				t.Fatal(err)
			}
			if err := st.Read(make([]int16, FrameSamples)); !errors.Is(err, ErrFrameSize) {
				t.Errorf("an 8 kHz frame on a %d Hz stream: %v", tt.rate, err)
			}
		})
	}
	// The file device's first stream recorded at 48 kHz: its file says so.
	f, err := os.Open(rec)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := DecodeWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	if p.Rate != 48000 {
		t.Errorf("recording at %d Hz, want 48000", p.Rate)
	}
}
