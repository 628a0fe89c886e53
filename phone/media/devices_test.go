package media

import (
	"math"
	"path/filepath"
	"testing"

	"github.com/sipterm/sipterm/audio"
)

// TestWithAudioFileDevices runs a call between two sessions on the audio package's real devices:
// a file device playing a 1 kHz WAV on one side, a file device recording on the other.
func TestWithAudioFileDevices(t *testing.T) {
	dir := t.TempDir()
	tone := filepath.Join(dir, "tone.wav")
	w, err := audio.CreateWAV(tone, 8000, 1)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, 8000)
	for i := range pcm {
		pcm[i] = int16(10000 * math.Sin(2*math.Pi*1000*float64(i)/8000))
	}
	if err := w.Write(pcm); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	rec := filepath.Join(dir, "rec.wav")
	a, b := fileSessions(t, tone, rec)
	if err := a.Start(Params{Remote: b.LocalAddr(), Codec: PCMA}); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(Params{Remote: a.LocalAddr(), Codec: PCMA}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "audio at b", func() bool { st := b.Stats(); return st.PacketsReceived >= 25 && st.SpeakerDBFS > -30 })
	waitTicks(b, 12)
	_ = b.Close() // closes the stream: the recording is complete
	_ = a.Close()
	got, err := audio.LoadWAV(rec)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) < 1600 || !dominantTone(got[len(got)-1600:], 1000) {
		t.Fatalf("recording (%d samples) does not end in the 1 kHz tone", len(got))
	}
}

// TestWithAudioNullDevice: the null device paces a call on its own.
func TestWithAudioNullDevice(t *testing.T) {
	null := audio.NewNullDevice()
	defer null.Close()
	a := newTestSession(t, Config{Device: null})
	b := newTestSession(t, Config{Device: null})
	if err := a.Start(Params{Remote: b.LocalAddr(), Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(Params{Remote: a.LocalAddr(), Codec: PCMU}); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "RTP both ways", func() bool { return a.Stats().PacketsReceived > 10 && b.Stats().PacketsReceived > 10 })
	if st := b.Stats(); st.SpeakerDBFS != MinDBFS || st.MicDBFS != MinDBFS {
		t.Fatalf("null device is not silent: %+v", st)
	}
}
