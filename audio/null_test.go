package audio

import (
	"errors"
	"sync"
	"testing"
)

func TestNullManyStreams(t *testing.T) {
	const streams, frames = 300, 10
	d := NewNullDevice()
	defer d.Close()
	var wg sync.WaitGroup
	errs := make(chan error, streams)
	for range streams {
		s, err := d.Open()
		if err != nil {
			t.Fatal(err)
		}
		wg.Go(func() {
			defer s.Close()
			frame := make([]int16, FrameSamples)
			for range frames {
				frame[0] = 1 // Read must overwrite it with silence
				if err := s.Read(frame); err != nil {
					errs <- err
					return
				}
				if frame[0] != 0 {
					errs <- errors.New("null device captured non-silence")
					return
				}
				if err := s.Write(frame); err != nil {
					errs <- err
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if got := d.Stats().Frames; got != streams*frames {
		t.Errorf("Stats().Frames = %d, want %d", got, streams*frames)
	}
	if n := d.streams.len(); n != 0 {
		t.Errorf("%d streams still registered after Close", n)
	}
}

func TestPacedStreamClose(t *testing.T) {
	tests := []struct {
		name  string
		close func(Device, Stream) error
	}{
		{"stream close", func(_ Device, s Stream) error { return s.Close() }},
		{"device close", func(d Device, _ Stream) error { return d.Close() }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := NewNullDevice()
			defer d.Close()
			s, err := d.Open()
			if err != nil {
				t.Fatal(err)
			}
			frame := make([]int16, FrameSamples)
			if err := s.Read(frame); err != nil { // starts the clock
				t.Fatal(err)
			}
			done := make(chan error)
			go func() {
				for {
					if err := s.Read(frame); err != nil {
						done <- err
						return
					}
				}
			}()
			if err := tt.close(d, s); err != nil {
				t.Fatal(err)
			}
			if err := <-done; !errors.Is(err, ErrClosed) {
				t.Errorf("blocked Read returned %v, want ErrClosed", err)
			}
			if err := s.Write(frame); !errors.Is(err, ErrClosed) {
				t.Errorf("Write after close = %v, want ErrClosed", err)
			}
			if err := s.Close(); err != nil {
				t.Errorf("second Close = %v", err)
			}
		})
	}
}

func TestPacedStreamFrameSize(t *testing.T) {
	d := NewNullDevice()
	defer d.Close()
	s, err := d.Open()
	if err != nil {
		t.Fatal(err)
	}
	for _, n := range []int{0, 159, 161, 320} {
		if err := s.Read(make([]int16, n)); !errors.Is(err, ErrFrameSize) {
			t.Errorf("Read(%d samples) = %v, want ErrFrameSize", n, err)
		}
		if err := s.Write(make([]int16, n)); !errors.Is(err, ErrFrameSize) {
			t.Errorf("Write(%d samples) = %v, want ErrFrameSize", n, err)
		}
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := d.Open(); !errors.Is(err, ErrClosed) {
		t.Errorf("Open on a closed device = %v, want ErrClosed", err)
	}
}

// TestPacerCatchesUp drives a pacer whose reader was late: the missed frames come at once
// (counted as late), and far too late it restarts its clock.
func TestPacerCatchesUp(t *testing.T) {
	p := newPacer(FrameDuration)
	done := make(chan struct{})
	p.start = timeNowMinus(5 * FrameDuration)
	for range 3 {
		if err := p.wait(done); err != nil {
			t.Fatal(err)
		}
	}
	if p.late == 0 {
		t.Errorf("late = 0 after reading 100 ms behind schedule")
	}
	p.start, p.n = timeNowMinus(10*maxCatchUp), 0
	if err := p.wait(done); err != nil {
		t.Fatal(err)
	}
	if p.resync != 1 || p.n != 0 {
		t.Errorf("resync = %d, n = %d; want 1, 0", p.resync, p.n)
	}
	close(done)
	if err := p.wait(done); !errors.Is(err, ErrClosed) {
		t.Errorf("wait after done = %v, want ErrClosed", err)
	}
}
