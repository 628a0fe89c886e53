package audio

import (
	"context"
	"math"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// render plays d of a plan through a generator.
func render(t *testing.T, plan TonePlan, d time.Duration) []int16 {
	t.Helper()
	g, err := NewToneGenerator(plan)
	if err != nil {
		t.Fatal(err)
	}
	out := make([]int16, int(d*SampleRate/time.Second))
	for i := 0; i+FrameSamples <= len(out); i += FrameSamples {
		g.Fill(out[i : i+FrameSamples])
	}
	return out
}

// cadence measures a rendered tone's on/off pattern in 10 ms steps: the lengths of the
// alternating runs, starting with an "on" run.
func cadence(s []int16) []time.Duration {
	const step = SampleRate / 100
	var runs []time.Duration
	wasOn := true
	cur := time.Duration(0)
	for i := 0; i+step <= len(s); i += step {
		isOn := rms(s[i:i+step]) > 100
		if isOn != wasOn {
			runs = append(runs, cur)
			cur, wasOn = 0, isOn
		}
		cur += 10 * time.Millisecond
	}
	return append(runs, cur)
}

func TestTonePlansFrequenciesAndCadence(t *testing.T) {
	ms := time.Millisecond
	tests := []struct {
		plan    TonePlan
		freqs   []float64
		cadence []time.Duration // first runs: on, off, on, ...
	}{
		{DialTone, []float64{425}, []time.Duration{6000 * ms}},
		{RingbackTone, []float64{425}, []time.Duration{1000 * ms, 4000 * ms, 1000 * ms}},
		{BusyTone, []float64{425}, []time.Duration{500 * ms, 500 * ms, 500 * ms, 500 * ms}},
		{CongestionTone, []float64{425}, []time.Duration{200 * ms, 200 * ms, 200 * ms, 200 * ms}},
		{CallWaitingTone, []float64{425}, []time.Duration{200 * ms, 200 * ms, 200 * ms, 3000 * ms, 200 * ms}},
		{RingTone, []float64{660, 880}, []time.Duration{400 * ms, 200 * ms, 400 * ms, 2000 * ms, 400 * ms}},
	}
	for _, tt := range tests {
		t.Run(tt.plan.Name, func(t *testing.T) {
			s := render(t, tt.plan, 6*time.Second)
			got := cadence(s)
			for i, want := range tt.cadence {
				if i >= len(got) || got[i] < want-10*ms || got[i] > want+10*ms {
					t.Fatalf("cadence %v, want it to start %v", got, tt.cadence)
				}
			}
			burst := s[:int(tt.cadence[0]*SampleRate/time.Second)]
			amp := 32767 * math.Pow(10, tt.plan.Level/20)
			for _, f := range tt.freqs {
				near(t, "amplitude at plan frequency", goertzel(burst, f, SampleRate), amp, amp*0.03)
			}
			if a := goertzel(burst, 1000, SampleRate); a > amp*0.01 {
				t.Errorf("amplitude at 1 kHz = %.0f, want about 0", a)
			}
			if len(tt.freqs) == 1 {
				near(t, "zero-crossing frequency", zeroCrossingFreq(burst, SampleRate), tt.freqs[0], 0.5)
			}
		})
	}
}

func TestDTMF(t *testing.T) {
	tests := []struct {
		digit     rune
		low, high float64
	}{
		{'1', 697, 1209}, {'2', 697, 1336}, {'3', 697, 1477}, {'A', 697, 1633},
		{'4', 770, 1209}, {'5', 770, 1336}, {'6', 770, 1477}, {'B', 770, 1633},
		{'7', 852, 1209}, {'8', 852, 1336}, {'9', 852, 1477}, {'C', 852, 1633},
		{'*', 941, 1209}, {'0', 941, 1336}, {'#', 941, 1477}, {'d', 941, 1633},
	}
	for _, tt := range tests {
		t.Run(string(tt.digit), func(t *testing.T) {
			plan, err := DTMFTone(tt.digit)
			if err != nil {
				t.Fatal(err)
			}
			s := render(t, plan, 200*time.Millisecond)
			on := s[:int(DTMFFeedbackDuration*SampleRate/time.Second)]
			amp := 32767 * math.Pow(10, plan.Level/20)
			near(t, "low", goertzel(on, tt.low, SampleRate), amp, amp*0.03)
			near(t, "high", goertzel(on, tt.high, SampleRate), amp, amp*0.03)
			if r := rms(s[len(on):]); r != 0 {
				t.Errorf("tone goes on after its %v: RMS %.0f", DTMFFeedbackDuration, r)
			}
		})
	}
	if _, err := DTMFTone('x'); err == nil {
		t.Error("DTMFTone('x') succeeded")
	}
}

func TestToneGeneratorEndsAndValidates(t *testing.T) {
	g, err := NewToneGenerator(TonePlan{Name: "beep", Level: -10, Segments: []ToneSegment{on(30*time.Millisecond, 1000)}})
	if err != nil {
		t.Fatal(err)
	}
	frame := make([]int16, FrameSamples)
	if !g.Fill(frame) {
		t.Error("first frame of a 30 ms tone reported the end")
	}
	if g.Fill(frame) {
		t.Error("second frame of a 30 ms tone did not report the end")
	}
	if rms(frame[80:]) != 0 {
		t.Error("the end of the last frame is not silence")
	}
	bad := []TonePlan{
		{Name: "empty"},
		{Name: "zero", Segments: []ToneSegment{off(0)}},
		{Name: "under a sample", Segments: []ToneSegment{on(100*time.Microsecond, 1000), off(100 * time.Microsecond)}},
		{Name: "nyquist", Segments: []ToneSegment{on(time.Second, 4000)}},
		{Name: "chord", Segments: []ToneSegment{on(time.Second, 1, 2, 3, 4, 5)}},
	}
	for _, p := range bad {
		if _, err := NewToneGenerator(p); err == nil {
			t.Errorf("plan %q accepted", p.Name)
		}
	}
}

func TestPlayTone(t *testing.T) {
	t.Run("until cancelled", func(t *testing.T) {
		d := NewNullDevice()
		defer d.Close()
		ctx, cancel := context.WithCancel(context.Background())
		done := make(chan error)
		go func() { done <- PlayTone(ctx, d, RingbackTone) }()
		for d.Stats().Frames < 3 { // it is playing
			time.Sleep(FrameDuration)
		}
		cancel()
		if err := <-done; err != nil {
			t.Errorf("PlayTone after cancel = %v, want nil", err)
		}
		if n := d.streams.len(); n != 0 {
			t.Errorf("%d streams left open", n)
		}
	})
	t.Run("a plan that ends", func(t *testing.T) {
		d := NewNullDevice()
		defer d.Close()
		plan, _ := DTMFTone('5')
		if err := PlayTone(context.Background(), d, plan); err != nil {
			t.Fatal(err)
		}
		if got := d.Stats().Frames; got != 6+drainFrames { // 120 ms, then silence while queues play out
			t.Errorf("played %d frames, want %d", got, 6+drainFrames)
		}
	})
	t.Run("file device records no tone", func(t *testing.T) {
		rec := filepath.Join(t.TempDir(), "rec.wav")
		d, err := NewFileDevice("", rec, nil)
		if err != nil {
			t.Fatal(err)
		}
		plan, _ := DTMFTone('1')
		if err := PlayTone(context.Background(), d, plan); err != nil {
			t.Fatal(err)
		}
		s, err := d.Open() // the call's stream still gets rec.wav
		if err != nil {
			t.Fatal(err)
		}
		if err := s.Write(make([]int16, FrameSamples)); err != nil {
			t.Fatal(err)
		}
		if err := d.Close(); err != nil {
			t.Fatal(err)
		}
		if p := readWAV(t, rec); len(p.Samples) != FrameSamples {
			t.Errorf("rec.wav has %d samples, want the call's %d", len(p.Samples), FrameSamples)
		}
	})
	t.Run("bad plan", func(t *testing.T) {
		err := PlayTone(context.Background(), NewNullDevice(), TonePlan{Name: "x"})
		if err == nil || !strings.Contains(err.Error(), "no segments") {
			t.Errorf("err = %v", err)
		}
	})
}

func on(d time.Duration, f ...float64) ToneSegment { return ToneSegment{Freqs: f, Duration: d} }
func off(d time.Duration) ToneSegment              { return ToneSegment{Duration: d} }

// TestLoadTones: the embedded plans (assets/tones.toml) hold the CEPT cadences, and a broken plan
// file is refused with a reason instead of playing something odd.
func TestLoadTones(t *testing.T) {
	if got := RingbackTone; got.Level != -16 || !got.Repeat || got.Period() != 5*time.Second || got.Segments[0].Freqs[0] != 425 {
		t.Errorf("ringback from assets/tones.toml = %+v, want 425 Hz 1 s on 4 s off at -16 dBFS", got)
	}
	if got := RingTone.Segments[0].Freqs; len(got) != 2 || got[0] != 660 || got[1] != 880 {
		t.Errorf("ring chord = %v, want 660+880 Hz", got)
	}
	tests := []struct{ name, text, want string }{
		{"not toml", "[[tone]\nname=", "reading tone plans"},
		{"unknown key", "[[tone]]\nname = \"x\"\nvolume = 3\nsegments = [{ms = 10}]", "volume"},
		{"no segments", "[[tone]]\nname = \"x\"", "no segments"},
		{"five frequencies", "[[tone]]\nname = \"x\"\nsegments = [{freqs = [1, 2, 3, 4, 5], ms = 10}]", "mixes 5"},
		{"repeated name", "[[tone]]\nname = \"x\"\nsegments = [{ms = 10}]\n[[tone]]\nname = \"x\"\nsegments = [{ms = 10}]", "repeated"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := loadTones(tt.text)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("loadTones: %v, want an error saying %q", err, tt.want)
			}
		})
	}
}
