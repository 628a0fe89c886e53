package audio

import (
	"errors"
	"testing"
)

func TestPacedStreamPull(t *testing.T) {
	d := NewNullDevice()
	defer d.Close()
	st, err := d.Open()
	if err != nil {
		t.Fatal(err)
	}
	pl, ok := st.(Puller)
	if !ok {
		t.Fatal("null device stream is not a Puller")
	}
	frame := make([]int16, FrameSamples)
	pulls := []struct{ late, resync bool }{{false, false}, {true, false}, {true, false}, {false, true}}
	for _, p := range pulls {
		frame[0] = 1 // Pull must overwrite it with silence
		if err := pl.Pull(frame, p.late, p.resync); err != nil {
			t.Fatal(err)
		}
		if frame[0] != 0 {
			t.Fatal("null device pulled non-silence")
		}
	}
	if got, want := d.Stats(), (Stats{Frames: 4, LateFrames: 2, Resyncs: 1}); got != want {
		t.Errorf("stats %+v, want %+v", got, want)
	}
	if err := pl.Pull(make([]int16, 3), false, false); !errors.Is(err, ErrFrameSize) {
		t.Errorf("short frame: %v, want ErrFrameSize", err)
	}
	_ = st.Close()
	if err := pl.Pull(frame, false, false); !errors.Is(err, ErrClosed) {
		t.Errorf("after Close: %v, want ErrClosed", err)
	}
}
