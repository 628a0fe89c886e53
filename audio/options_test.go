package audio

import (
	"path/filepath"
	"strings"
	"testing"
)

func TestOpen(t *testing.T) {
	dir := t.TempDir()
	tests := []struct {
		name     string
		opts     Options
		wantName string
		wantErr  bool
	}{
		{"null", Options{Kind: KindNull}, "null", false},
		{"file without files", Options{Kind: KindFile}, "file: silence", false},
		{"file record", Options{Kind: KindFile, RecordFile: filepath.Join(dir, "r.wav")}, "file: record=" + filepath.Join(dir, "r.wav"), false},
		{"file missing play", Options{Kind: KindFile, PlayFile: filepath.Join(dir, "none.wav")}, "", true},
		{"unknown kind", Options{Kind: "alsa"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Open(tt.opts)
			if (err != nil) != tt.wantErr {
				t.Fatalf("err = %v, want error %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			defer d.Close()
			if d.Name() != tt.wantName {
				t.Errorf("Name() = %q, want %q", d.Name(), tt.wantName)
			}
		})
	}
}

func TestOpenOrFallback(t *testing.T) {
	tests := []struct {
		name       string
		opts       Options
		wantName   string
		wantNotice string
	}{
		{"null needs no fallback", Options{Kind: KindNull}, "null", ""},
		{"unknown kind", Options{Kind: "alsa"}, "null", "no sound device: using null audio (opening audio: unknown kind"},
		{"bad file", Options{Kind: KindFile, PlayFile: filepath.Join(t.TempDir(), "none.wav")}, "null", "audio files unusable: using null audio (opening play file"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, notice := OpenOrFallback(tt.opts)
			defer d.Close()
			if d.Name() != tt.wantName {
				t.Errorf("Name() = %q, want %q", d.Name(), tt.wantName)
			}
			if !strings.HasPrefix(notice, tt.wantNotice) || (tt.wantNotice == "") != (notice == "") {
				t.Errorf("notice = %q, want prefix %q", notice, tt.wantNotice)
			}
		})
	}
}

func TestParseKind(t *testing.T) {
	tests := []struct {
		in      string
		want    Kind
		wantErr bool
	}{
		{"", KindPortAudio, false},
		{"portaudio", KindPortAudio, false},
		{"pulse", KindPulse, false},
		{"null", KindNull, false},
		{"file", KindFile, false},
		{"alsa", "", true},
		{"NULL", "", true},
	}
	for _, tt := range tests {
		got, err := ParseKind(tt.in)
		if got != tt.want || (err != nil) != tt.wantErr {
			t.Errorf("ParseKind(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
		}
	}
}
