package audio

import (
	"context"
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// openQuietly opens the portaudio device. PortAudio's initialisation (ALSA and JACK probing)
// runs with fd 2 captured and must write nothing to it; what opening the stream itself writes
// is only logged (PortAudio's ALSA host prints its own failures, which no hook silences).
func openQuietly(t *testing.T, opts Options) *PortAudioDevice {
	t.Helper()
	var err error
	out, cerr := captureFD2(func() { err = paAcquire(nil, false) })
	if cerr != nil {
		t.Fatal(cerr)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer paRelease() // the device holds its own reference
	if len(out) != 0 {
		t.Errorf("PortAudio's initialisation wrote %d bytes to stderr, want 0:\n%s", len(out), out)
	}
	var d *PortAudioDevice
	out, cerr = captureFD2(func() { d, err = NewPortAudioDevice(opts) })
	if cerr != nil {
		t.Fatal(cerr)
	}
	if len(out) != 0 {
		t.Logf("opening the stream wrote to stderr:\n%s", out)
	}
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = d.Close() })
	return d
}

// TestPortAudioPlayback plays 1 kHz through the device into the lab's speaker sink and checks
// the recording. The machine may be busy (two cores, other tests): the tone is judged by its
// blocks, and a few gaps from scheduling stalls are logged with the device's counters, not failed.
func TestPortAudioPlayback(t *testing.T) {
	for _, rate := range []int{0, 48000} { // 0: the device's choice
		t.Run(fmt.Sprintf("%d Hz", rate), func(t *testing.T) {
			startPulse(t)
			feed := startBackground(t, "pacat -p -d lab_mic --latency-msec=20 --format=s16le --rate=8000 --channels=1 </dev/zero")
			rec := startBackground(t, "parec -d lab_speaker.monitor --latency-msec=20 --format=s16le --rate=8000 --channels=1")
			waitPulseStreams(t, 1, 1)
			prioritiseLab(feed.pid(), rec.pid())
			d := openQuietly(t, Options{DeviceRate: rate})
			if rate != 0 && d.Rate() != rate {
				t.Fatalf("device opened at %d Hz, want %d", d.Rate(), rate)
			}
			s, err := d.Open()
			if err != nil {
				t.Fatal(err)
			}
			const amp = 8000
			tone := sine(150*FrameSamples, 1000, amp, SampleRate) // 20 cycles per frame: frames join smoothly
			exchangeTone(t, s, tone)
			st := d.Stats()
			if err := d.Close(); err != nil {
				t.Fatal(err)
			}
			got := activeSpan(pcm8k(rec.stop()), amp/4)
			t.Logf("%d samples of tone recorded; stats %+v; latency %+v", len(got), st, d.Latency())
			checkTone(t, got, 1000, amp)
		})
	}
}

// checkTone judges a recorded tone by 20 ms blocks: at least 2 s of them are loud, the loud
// ones have the tone's RMS (median within 5 %), and 100 ms windows of loud blocks have its
// frequency (median, by zero crossings; a window with a glitch in it is off, the median not).
func checkTone(t *testing.T, s []int16, freq, amp float64) {
	t.Helper()
	want := amp / math.Sqrt2
	var loud, freqs []float64
	run := 0
	blocks := len(s) / FrameSamples
	for b := range blocks {
		r := rms(s[b*FrameSamples : (b+1)*FrameSamples])
		if r < want/2 {
			run = 0
			continue
		}
		loud = append(loud, r)
		if run++; run%5 == 0 {
			freqs = append(freqs, zeroCrossingFreq(s[(b-4)*FrameSamples:(b+1)*FrameSamples], SampleRate))
		}
	}
	if len(loud) < 100 {
		t.Fatalf("%d of %d blocks carry the tone; want at least 100 (2 s of the 3 s played)", len(loud), blocks)
	}
	if len(loud) < blocks {
		t.Logf("%d of %d blocks are gaps (scheduling stalls; see the stats)", blocks-len(loud), blocks)
	}
	slices.Sort(loud)
	slices.Sort(freqs)
	near(t, "median block RMS", loud[len(loud)/2], want, want*0.05)
	near(t, "median frequency of 100 ms windows", freqs[len(freqs)/2], freq, 2)
}

// activeSpan is s from the first to the last sample louder than level.
func activeSpan(s []int16, level int16) []int16 {
	first, last := -1, -1
	for i, v := range s {
		if v > level || v < -level {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return nil
	}
	return s[first : last+1]
}

// TestPortAudioCapture feeds 440 Hz at a quarter of full scale into the lab's microphone sink
// and checks what Stream.Read returns, by 100 ms blocks (44 whole cycles each).
func TestPortAudioCapture(t *testing.T) {
	for _, rate := range []int{0, 16000} {
		t.Run(fmt.Sprintf("%d Hz", rate), func(t *testing.T) {
			startPulse(t)
			needTool(t, "sox")
			rec := startBackground(t, "parec -d lab_speaker.monitor --latency-msec=20 >/dev/null")
			feed := startBackground(t, "sox -q -n -t raw -r 8000 -e signed -b 16 -c 1 - synth 20 sine 440 vol 0.25 | "+
				"pacat -p -d lab_mic --latency-msec=20 --format=s16le --rate=8000 --channels=1")
			waitPulseStreams(t, 1, 1)
			prioritiseLab(feed.pid(), rec.pid())
			d := openQuietly(t, Options{DeviceRate: rate})
			s, err := d.Open()
			if err != nil {
				t.Fatal(err)
			}
			var got []int16
			frame := make([]int16, FrameSamples)
			for range 150 {
				if err := s.Read(frame); err != nil {
					t.Fatal(err)
				}
				got = append(got, frame...)
			}
			t.Logf("stats %+v", d.Stats())
			// Judge the 100 ms blocks that carry the tone: on a busy machine the feeder may
			// start late or stall, which is not the device's doing.
			var at440, at1k []float64
			for b := 0; b+SampleRate/10 <= len(got); b += SampleRate / 10 {
				block := got[b : b+SampleRate/10]
				if rms(block) < 0.25*32767/math.Sqrt2/2 {
					continue
				}
				at440 = append(at440, goertzel(block, 440, SampleRate))
				at1k = append(at1k, goertzel(block, 1000, SampleRate))
			}
			if len(at440) < 10 {
				t.Fatalf("only %d blocks of 100 ms captured with the tone, want at least 10", len(at440))
			}
			slices.Sort(at440)
			slices.Sort(at1k)
			near(t, "median amplitude at 440 Hz", at440[len(at440)/2], 0.25*32767, 0.25*32767*0.05)
			if a := at1k[len(at1k)/2]; a > 100 {
				t.Errorf("median amplitude at 1 kHz = %.0f, want about 0", a)
			}
		})
	}
}

// TestPortAudioFallsBackWithoutSoundServer: no PulseAudio server to reach (and none to
// autospawn) and no sound card, so PortAudio finds no device, says nothing on stderr, and the
// phone gets the null device with a notice.
func TestPortAudioFallsBackWithoutSoundServer(t *testing.T) {
	if cards, err := os.ReadFile("/proc/asound/cards"); err == nil && !strings.Contains(string(cards), "no soundcards") {
		if os.Getenv("CI") == "true" {
			t.Fatalf("CI machine has sound cards; this test needs a machine without:\n%s", cards)
		}
		t.Skipf("this machine has sound cards, so PortAudio would find them:\n%s", cards)
	}
	dir := t.TempDir()
	clientConf := filepath.Join(dir, "client.conf")
	if err := os.WriteFile(clientConf, []byte("autospawn = no\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	t.Setenv("PULSE_SERVER", "unix:"+filepath.Join(dir, "no-such-socket"))
	t.Setenv("PULSE_CLIENTCONFIG", clientConf)
	t.Setenv("PULSE_RUNTIME_PATH", dir)
	t.Setenv("JACK_NO_START_SERVER", "1")
	tests := []struct {
		name string
		opts Options
	}{
		{"default device", Options{}},
		{"named device", Options{Kind: KindPortAudio, DeviceName: "no such card"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var d Device
			var notice string
			out, err := captureFD2(func() { d, notice = OpenOrFallback(tt.opts) })
			if err != nil {
				t.Fatal(err)
			}
			defer d.Close()
			if len(out) != 0 {
				t.Errorf("%d bytes on stderr, want 0:\n%s", len(out), out)
			}
			if d.Name() != "null" || !strings.HasPrefix(notice, "no sound device: using null audio (") {
				t.Errorf("got %q with notice %q, want null with a notice", d.Name(), notice)
			}
			if _, err := Open(tt.opts); !errors.Is(err, ErrNoDevice) {
				t.Errorf("Open: %v, want ErrNoDevice", err)
			}
		})
	}
}

// TestPortAudioSurvivesServerLoss: the sound server goes away in the middle of a call. The
// stream keeps delivering frames (silence, paced by a timer once the device is closed), the
// errors are counted, and the device still closes.
func TestPortAudioSurvivesServerLoss(t *testing.T) {
	lab := t.TempDir()
	stopServer := startPulseIn(t, lab)
	startBackground(t, "pacat -p -d lab_mic --latency-msec=20 --format=s16le --rate=8000 --channels=1 </dev/zero")
	startBackground(t, "parec -d lab_speaker.monitor --latency-msec=20 >/dev/null")
	waitPulseStreams(t, 1, 1)
	d := openQuietly(t, Options{})
	notices := recordNotices(d)
	s, err := d.Open()
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, FrameSamples)
	for range 25 {
		if err := s.Read(frame); err != nil {
			t.Fatal(err)
		}
		if err := s.Write(frame); err != nil {
			t.Fatal(err)
		}
	}
	stopServer()
	for i := range 100 {
		if err := s.Read(frame); err != nil {
			t.Fatalf("Read %d after the server went away: %v", i, err)
		}
		if err := s.Write(frame); err != nil {
			t.Fatalf("Write %d after the server went away: %v", i, err)
		}
	}
	st := d.Stats()
	t.Logf("stats %+v", st)
	if st.Errors == 0 {
		t.Error("no device errors counted after the server went away")
	}
	// The server comes back: the device reopens within a few tries (one a second).
	startPulseIn(t, lab)
	for i := 0; d.Stats().Reopens == 0; i++ {
		if i == 500 {
			t.Fatalf("device not reopened 10 s after the server came back: %+v", d.Stats())
		}
		if err := s.Read(frame); err != nil {
			t.Fatalf("Read after the server came back: %v", err)
		}
	}
	t.Logf("reopened; stats %+v", d.Stats())
	// a person is told both: lost (the calls go on) and back
	got := notices()
	if !strings.Contains(got, "warn: sound device lost") || !strings.Contains(got, "info: sound device back") {
		t.Errorf("notices %q, want a lost (warn) and a back (info) one", got)
	}
	if err := d.Close(); err != nil {
		t.Logf("Close: %v", err) // closing a dead device may report it; it must return
	}
}

func TestPortAudioListAndPickByName(t *testing.T) {
	startPulse(t)
	var devs []DeviceInfo
	var err error
	out, cerr := captureFD2(func() { devs, err = ListDevices() })
	if err != nil || cerr != nil {
		t.Fatal(err, cerr)
	}
	if len(out) != 0 {
		t.Errorf("ListDevices wrote %d bytes to stderr:\n%s", len(out), out)
	}
	var names []string
	defaults := 0
	for _, d := range devs {
		names = append(names, d.Name)
		if d.DefaultInput && d.DefaultOutput {
			defaults++
		}
	}
	if !slices.Contains(names, "pulse") || defaults != 1 {
		t.Errorf("devices %+v: want one named pulse and one default for both directions", devs)
	}
	tests := []struct {
		name, wantDevice string
		wantErr          error
	}{
		{"PULS", "portaudio: pulse", nil},
		{"no such card", "", ErrNoDevice},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d, err := Open(Options{DeviceName: tt.name})
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("err = %v, want %v", err, tt.wantErr)
			}
			if err != nil {
				return
			}
			defer d.Close()
			if d.Name() != tt.wantDevice {
				t.Errorf("Name() = %q, want %q", d.Name(), tt.wantDevice)
			}
		})
	}
}

// TestPortAudioMixesStreams: a call's stream and a tone played with PlayTone on the same
// device both reach the speaker at their own levels. Both are pulled by the playback callback
// (PlaySourcer), as the phone's calls and tones are; the call's goroutine only reads.
func TestPortAudioMixesStreams(t *testing.T) {
	startPulse(t)
	feed := startBackground(t, "pacat -p -d lab_mic --latency-msec=20 --format=s16le --rate=8000 --channels=1 </dev/zero")
	rec := startBackground(t, "parec -d lab_speaker.monitor --latency-msec=20 --format=s16le --rate=8000 --channels=1")
	waitPulseStreams(t, 1, 1)
	prioritiseLab(feed.pid(), rec.pid())
	d := openQuietly(t, Options{})
	ctx, cancel := context.WithCancel(context.Background())
	toneDone := make(chan error)
	go func() { toneDone <- PlayTone(ctx, d, DialTone) }()
	s, err := d.Open()
	if err != nil {
		t.Fatal(err)
	}
	const amp = 6000
	tone := sine(FrameSamples, 1000, amp, SampleRate) // whole cycles: frames repeat seamlessly
	s.(PlaySourcer).SetPlaySource(func(frame []int16) { copy(frame, tone) })
	frame := make([]int16, FrameSamples)
	for range 150 {
		if err := s.Read(frame); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := <-toneDone; err != nil {
		t.Fatal(err)
	}
	st := d.Stats()
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	got := activeSpan(pcm8k(rec.stop()), amp/4)
	t.Logf("stats %+v", st)
	const block = SampleRate / 5 // 200 ms: whole cycles of both 1000 and 425 Hz
	var at1k, at425 []float64
	for b := 0; b+block <= len(got); b += block {
		x := got[b : b+block]
		if rms(x) < amp/math.Sqrt2/2 {
			continue
		}
		at1k = append(at1k, goertzel(x, 1000, SampleRate))
		at425 = append(at425, goertzel(x, 425, SampleRate))
	}
	if len(at1k) < 5 {
		t.Fatalf("only %d loud blocks of 200 ms recorded", len(at1k))
	}
	slices.Sort(at1k)
	slices.Sort(at425)
	dial := 32767 * math.Pow(10, DialTone.Level/20)
	near(t, "median amplitude at 1 kHz (the call)", at1k[len(at1k)/2], amp, amp*0.05)
	near(t, "median amplitude at 425 Hz (the dial tone)", at425[len(at425)/2], dial, dial*0.05)
}

// TestPortAudioReleasedWhenIdle: with no stream open the device lets go of the sound server
// (no recording stream left on it), and the next Open brings it back.
func TestPortAudioReleasedWhenIdle(t *testing.T) {
	startPulse(t)
	feed := startBackground(t, "pacat -p -d lab_mic --latency-msec=20 --format=s16le --rate=8000 --channels=1 </dev/zero")
	rec := startBackground(t, "parec -d lab_speaker.monitor --latency-msec=20 >/dev/null")
	waitPulseStreams(t, 1, 1)
	prioritiseLab(feed.pid(), rec.pid())
	d := openQuietly(t, Options{idleAfter: time.Second}) // long enough for pactl to see it open on a busy box
	waitPulseStreams(t, 2, 2)                            // the device's own playback and record streams
	for deadline := time.Now().Add(10 * time.Second); d.Running(); time.Sleep(20 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatal("device still running 10 s after it was opened without streams")
		}
	}
	if p, r := pulseStreams(t); p != 1 || r != 1 {
		t.Errorf("idle device left %d playback and %d record streams on the server, want only the lab's 1 and 1", p, r)
	}
	for range 3 { // open and close: each stream gets frames; the device follows
		s, err := d.Open()
		if err != nil {
			t.Fatal(err)
		}
		frame := make([]int16, FrameSamples)
		for range 25 {
			if err := s.Read(frame); err != nil {
				t.Fatal(err)
			}
		}
		if !d.Running() {
			t.Error("device not running while a stream reads")
		}
		if err := s.Close(); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("stats %+v", d.Stats())
}

// recordNotices collects d's notices; the returned func gives them so far, one "level: message"
// per line.
func recordNotices(d Notifier) func() string {
	var mu sync.Mutex
	var notices []string
	d.SetNotify(func(level, msg string) {
		mu.Lock()
		defer mu.Unlock()
		notices = append(notices, level+": "+msg)
	})
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		return strings.Join(notices, "\n")
	}
}

// exchangeTone writes tone to s a frame per frame read (as a call does), then reads 10 frames
// more so that the queues play out; it returns what was read while the tone was written.
func exchangeTone(t *testing.T, s Stream, tone []int16) []int16 {
	t.Helper()
	frame := make([]int16, FrameSamples)
	var got []int16
	for i := range len(tone) / FrameSamples {
		if err := s.Read(frame); err != nil {
			t.Fatal(err)
		}
		got = append(got, frame...)
		if err := s.Write(tone[i*FrameSamples : (i+1)*FrameSamples]); err != nil {
			t.Fatal(err)
		}
	}
	for range 10 {
		if err := s.Read(frame); err != nil {
			t.Fatal(err)
		}
	}
	return got
}
