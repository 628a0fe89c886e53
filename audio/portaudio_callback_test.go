package audio

import (
	"fmt"
	"github.com/gordonklaus/portaudio"
	"testing"
	"time"
)

// TestCallbackBlocks drives the capture and playback callbacks with buffers of several sizes
// and channel layouts, as PortAudio would: every captured sample reaches the stream, in order
// and whole blocks at a time, and a frame the stream writes after a block was delivered plays
// whole from the next block boundary of the playback, on every output channel.
func TestCallbackBlocks(t *testing.T) {
	const rate = 48000
	block := rate / 50
	tests := []struct{ chunk, inCh, outCh int }{
		{240, 1, 1},
		{240, 2, 2},
		{7, 1, 2},
		{480, 2, 1},
		{1000, 1, 1}, // larger than a block: still in order
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("chunk %d, %d/%d channels", tt.chunk, tt.inCh, tt.outCh), func(t *testing.T) {
			d := &PortAudioDevice{stop: make(chan struct{}), inCh: tt.inCh, outCh: tt.outCh}
			if err := d.setBuffers(rate); err != nil {
				t.Fatal(err)
			}
			d.resetCallbacks()
			st, err := d.OpenRate(rate)
			if err != nil {
				t.Fatal(err)
			}
			defer st.Close()
			s := st.(*paStream)
			const total = 10 * 960
			var captured []int16
			played := make([]int16, 0, total)
			var writeAt []int // the block boundary after which each frame was written
			frame := make([]int16, block)
			for pos := 0; pos < total; pos += tt.chunk {
				n := min(tt.chunk, total-pos)
				in, out := make([]int16, n*tt.inCh), make([]int16, n*tt.outCh)
				for i := range n {
					for c := range tt.inCh {
						in[i*tt.inCh+c] = int16((pos + i) % 30000) // a ramp: order is visible
					}
				}
				d.captureCB(in, noTime, 0)
				d.playCB(out, noTime, 0)
				for i := range n {
					for c := 1; c < tt.outCh; c++ {
						if out[i*tt.outCh+c] != out[i*tt.outCh] {
							t.Fatalf("sample %d: channel %d plays %d, channel 0 %d", pos+i, c, out[i*tt.outCh+c], out[i*tt.outCh])
						}
					}
					played = append(played, out[i*tt.outCh])
				}
				for s.capture.pop(frame) { // the call's goroutine: read, then write a frame
					captured = append(captured, frame...)
					v := int16(len(writeAt) + 1)
					for i := range frame {
						frame[i] = v
					}
					writeAt = append(writeAt, len(captured))
					if err := s.Write(frame); err != nil {
						t.Fatal(err)
					}
				}
			}
			if len(captured) != total {
				t.Fatalf("%d samples captured, want %d", len(captured), total)
			}
			for i, v := range captured {
				if v != int16(i%30000) {
					t.Fatalf("captured sample %d is %d, want %d", i, v, i%30000)
				}
			}
			// frame k (from 1) was written after the callbacks that delivered it; it plays
			// from the first playback block boundary at or after them.
			// (or the boundary after the previous frame's: one frame a block, in order)
			prev := -block
			for k, at := range writeAt {
				start := prev + block
				for start < pos(at, tt.chunk) {
					start += block
				}
				if start+block > total {
					break
				}
				prev = start
				for i := start; i < start+block; i++ {
					if played[i] != int16(k+1) {
						t.Fatalf("frame %d written at %d: sample %d plays %d, want %d", k+1, at, i, played[i], k+1)
					}
				}
			}
		})
	}
}

// pos is where the callback that delivered the block ending at at ends: the write follows it.
func pos(at, chunk int) int { return (at + chunk - 1) / chunk * chunk }

// TestLatencyLadder: ladderXruns underflows within ladderWindow step the buffer up a rung, to
// the last at most; fewer, or spread wider, do not; a rung is given back between calls only
// after ladderCalm without an underflow.
func TestLatencyLadder(t *testing.T) {
	t0 := time.Unix(1000, 0)
	var l ladder
	steps := []struct {
		name       string
		underflows uint64
		at         time.Duration
		release    bool
		wantUp     bool
		wantRung   int
	}{
		{"first look starts the window", 0, 0, false, false, 0},
		{"a few are tolerated", ladderXruns - 1, time.Second, false, false, 0},
		{"the window moves on", ladderXruns - 1, ladderWindow + time.Second, false, false, 0},
		{"spread over windows: no step", 2*ladderXruns - 3, ladderWindow + 2*time.Second, false, false, 0},
		{"a burst steps up", 3*ladderXruns - 3, ladderWindow + 3*time.Second, false, true, 1},
		{"the new stream starts a window", 3*ladderXruns - 3, ladderWindow + 4*time.Second, false, false, 1},
		{"another burst", 4*ladderXruns - 3, ladderWindow + 5*time.Second, false, true, 2},
		{"no rung past the last", 4*ladderXruns - 3, ladderWindow + 6*time.Second, false, false, 2},
		{"still at the top", 6*ladderXruns - 3, ladderWindow + 7*time.Second, false, false, 2},
		{"released soon after: keeps the rung", 0, ladderWindow + 10*time.Second, true, false, 2},
		{"released after the calm: one back", 0, ladderCalm + ladderWindow + 8*time.Second, true, false, 1},
	}
	for _, s := range steps {
		now := t0.Add(s.at)
		if s.release {
			l.released(now)
		} else if up := l.note(s.underflows, now); up != s.wantUp {
			t.Fatalf("%s: stepped up %v, want %v", s.name, up, s.wantUp)
		}
		if l.rung != s.wantRung {
			t.Fatalf("%s: rung %d, want %d", s.name, l.rung, s.wantRung)
		}
	}
}

var noTime portaudio.StreamCallbackTimeInfo

// TestCallbackPulls drives the playback callback alone, as PortAudio's playback thread would
// with the capture thread stalled: a stream with a play source is asked for exactly one frame
// per 20 ms block played, whatever the callbacks' size, each frame plays whole and in order on
// every channel, Written frames are ignored, a stream without a source still plays its queue
// beside it, and a closed stream's source is not called again.
func TestCallbackPulls(t *testing.T) {
	const rate = 48000
	block := rate / 50
	tests := []struct {
		chunk, outCh int
		streamRate   int
	}{
		{240, 1, 48000},
		{240, 2, 48000},
		{7, 2, 48000},
		{1000, 1, 48000},
		{240, 1, 8000}, // resampled: the count still holds
	}
	for _, tt := range tests {
		t.Run(fmt.Sprintf("chunk %d, %d channels, stream %d Hz", tt.chunk, tt.outCh, tt.streamRate), func(t *testing.T) {
			d := &PortAudioDevice{stop: make(chan struct{}), inCh: 1, outCh: tt.outCh}
			if err := d.setBuffers(rate); err != nil {
				t.Fatal(err)
			}
			d.resetCallbacks()
			st, err := d.OpenRate(tt.streamRate)
			if err != nil {
				t.Fatal(err)
			}
			pulled := 0
			st.(PlaySourcer).SetPlaySource(func(frame []int16) {
				pulled++
				for i := range frame {
					frame[i] = int16(100 * pulled)
				}
			})
			if err := st.Write(make([]int16, FrameSamplesAt(tt.streamRate))); err != nil {
				t.Fatal(err)
			}
			if n := st.(*paStream).play.len(); n != 0 {
				t.Fatalf("a Write to a pulled stream queued %d frames", n)
			}
			const blocks = 10
			total := blocks * block
			played := make([]int16, 0, total)
			for pos := 0; pos < total; pos += tt.chunk {
				out := make([]int16, min(tt.chunk, total-pos)*tt.outCh)
				d.playCB(out, noTime, 0)
				for i := 0; i < len(out); i += tt.outCh {
					for c := 1; c < tt.outCh; c++ {
						if out[i+c] != out[i] {
							t.Fatalf("sample %d: channel %d plays %d, channel 0 %d", pos+i/tt.outCh, c, out[i+c], out[i])
						}
					}
					played = append(played, out[i])
				}
			}
			if pulled != blocks {
				t.Fatalf("%d frames pulled for %d blocks played", pulled, blocks)
			}
			if tt.streamRate == rate { // unresampled: block k plays frame k exactly
				for i, v := range played {
					if want := int16(100 * (i/block + 1)); v != want {
						t.Fatalf("sample %d plays %d, want %d", i, v, want)
					}
				}
			}
			if err := st.Close(); err != nil {
				t.Fatal(err)
			}
			d.mixStreams(d.played)
			if pulled != blocks {
				t.Fatalf("a closed stream's source was called")
			}
		})
	}
}

// TestPullBesideQueue: a pulled stream and a written one on one device mix; the pulled one
// needs no prebuffer and never counts a gap or drop.
func TestPullBesideQueue(t *testing.T) {
	d := &PortAudioDevice{stop: make(chan struct{}), inCh: 1, outCh: 1}
	if err := d.setBuffers(SampleRate); err != nil {
		t.Fatal(err)
	}
	d.resetCallbacks()
	pulled, _ := d.Open()
	written, _ := d.Open()
	defer pulled.Close()
	defer written.Close()
	pulled.(PlaySourcer).SetPlaySource(func(frame []int16) {
		for i := range frame {
			frame[i] = 1000
		}
	})
	frame := make([]int16, FrameSamples)
	for i := range frame {
		frame[i] = 10
	}
	steps := []struct {
		write bool
		want  int16
	}{
		{false, 1000}, // nothing written: the pulled stream plays at once
		{true, 1010},  // the written frame meets its prebuffer of one: mixed
		{false, 1000}, // the written stream ran dry: a gap, only its own
		{true, 1000},  // re-priming after the gap
		{true, 1010},
	}
	for i, s := range steps {
		if s.write {
			if err := written.Write(frame); err != nil {
				t.Fatal(err)
			}
		}
		d.mixStreams(d.played)
		if d.played[0] != s.want || d.played[FrameSamples-1] != s.want {
			t.Fatalf("step %d: mixed %d..%d, want %d", i, d.played[0], d.played[FrameSamples-1], s.want)
		}
	}
	if g := d.Stats().PlaybackGaps; g != 1 {
		t.Fatalf("%d playback gaps, want 1 (the written stream's)", g)
	}
}
