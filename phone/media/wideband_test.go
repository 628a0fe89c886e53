package media

import (
	"math"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/pion/rtp"

	"github.com/sipterm/sipterm/audio"
)

var (
	opusCodec = Codec{PT: 111, Name: "opus", ClockRate: 48000}
	g722Codec = Codec{PT: 9, Name: "G722", ClockRate: 8000}
)

// goertzelAt is goertzel at any sample rate.
func goertzelAt(x []int16, freq float64, rate int) float64 {
	k := 2 * math.Cos(2*math.Pi*freq/float64(rate))
	var s1, s2 float64
	for _, v := range x {
		s0 := float64(v) + k*s1 - s2
		s2, s1 = s1, s0
	}
	return s1*s1 + s2*s2 - k*s1*s2
}

func writeTone(t *testing.T, path string, rate int, hz float64, seconds int) {
	t.Helper()
	w, err := audio.CreateWAV(path, rate, 1)
	if err != nil {
		t.Fatal(err)
	}
	pcm := make([]int16, rate*seconds)
	for i := range pcm {
		pcm[i] = int16(10000 * math.Sin(2*math.Pi*hz*float64(i)/float64(rate)))
	}
	if err := w.Write(pcm); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
}

// A 6 kHz tone (beyond G.711) crosses a call from a file device to a recording file device for
// each wideband codec; the recording runs at the codec's rate, so nothing went through 8 kHz.
func TestWidebandFileDevices(t *testing.T) {
	for _, tc := range []struct {
		codec Codec
		rate  int
	}{{opusCodec, 48000}, {g722Codec, 16000}} {
		t.Run(tc.codec.Name, func(t *testing.T) {
			dir := t.TempDir()
			tone := filepath.Join(dir, "tone.wav")
			writeTone(t, tone, 48000, 6000, 1)
			rec := filepath.Join(dir, "rec.wav")
			a, b := fileSessions(t, tone, rec)
			if err := a.Start(Params{Remote: b.LocalAddr(), Codec: tc.codec}); err != nil {
				t.Fatal(err)
			}
			if err := b.Start(Params{Remote: a.LocalAddr(), Codec: tc.codec}); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "audio at b", func() bool { st := b.Stats(); return st.PacketsReceived >= 25 && st.SpeakerDBFS > -30 })
			waitTicks(b, 12)
			_ = b.Close()
			_ = a.Close()
			got := readWAV(t, rec)
			if got.Rate != tc.rate {
				t.Fatalf("recorded at %d Hz, want %d", got.Rate, tc.rate)
			}
			s := got.Mono()
			tail := s[len(s)-tc.rate/5:]
			p6 := goertzelAt(tail, 6000, tc.rate)
			for _, f := range []float64{1000, 3000, 4000, 5000, 7000} {
				if goertzelAt(tail, f, tc.rate)*100 > p6 {
					t.Errorf("%v Hz is within 20 dB of the 6 kHz tone", f)
				}
			}
		})
	}
}

func readWAV(t *testing.T, path string) audio.PCM {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	p, err := audio.DecodeWAV(f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// opusPackets encodes n 20 ms frames of a 1 kHz tone with FEC on (the peer wants it and has
// reported 10 % loss).
func opusPackets(t testing.TB, n int) [][]byte {
	t.Helper()
	enc, err := newOpusCoder(OpusParams{FEC: true})
	if err != nil {
		t.Fatal(err)
	}
	enc.peerLoss(26)
	var out [][]byte
	pcm := make([]int16, 960)
	for k := range n {
		for i := range pcm {
			pcm[i] = int16(8000 * math.Sin(2*math.Pi*1000*float64(k*960+i)/48000))
		}
		b := make([]byte, 1500)
		m := enc.encode(b, pcm)
		if m <= 0 {
			t.Fatalf("encode frame %d: %d bytes", k, m)
		}
		out = append(out, b[:m])
	}
	return out
}

// A lost Opus packet is rebuilt when the next one arrives (FEC for the last lost one, libopus
// PLC before it), so the jitter buffer plays audio, not its own fade, for a short gap.
func TestOpusConcealsGap(t *testing.T) {
	tests := []struct {
		name   string
		lose   map[int]bool
		queued int // packets in the jitter buffer after 8 sent
	}{
		{"no loss", nil, 8},
		{"one lost: FEC", map[int]bool{3: true}, 8},
		{"three lost: PLC + FEC", map[int]bool{2: true, 3: true, 4: true}, 8},
		{"four lost: the jitter buffer's", map[int]bool{2: true, 3: true, 4: true, 5: true}, 4},
	}
	pkts := opusPackets(t, 8)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newTestSession(t, Config{})
			s.rate = 48000
			s.rx.jb = newJitterBufferAt(48000)
			if err := s.Update(Params{Codec: opusCodec, Opus: OpusParams{FEC: true}}); err != nil {
				t.Fatal(err)
			}
			now := time.Now()
			s.mu.Lock()
			defer s.mu.Unlock()
			for k, b := range pkts {
				if tt.lose[k] {
					continue
				}
				pkt := &rtp.Packet{Header: rtp.Header{PayloadType: 111, SequenceNumber: uint16(1000 + k), Timestamp: uint32(5000 + 960*k), SSRC: 7}, Payload: b}
				s.receiveAudioLocked(pkt, now.Add(time.Duration(k)*20*time.Millisecond))
			}
			if s.rx.jb.nq != tt.queued {
				t.Errorf("%d packets queued, want %d", s.rx.jb.nq, tt.queued)
			}
			for i := range s.rx.jb.nq {
				p := &s.rx.jb.pool[s.rx.jb.q[i]]
				if p.n != 960 {
					t.Errorf("packet %d holds %d samples, want 960", p.seq, p.n)
				}
				if k := int(p.seq) - 1000; k > 0 && dbfs(p.pcm[:p.n]) < -40 {
					t.Errorf("packet %d (lost: %v) is silent", k, tt.lose[k])
				}
			}
		})
	}
}

// Comfort noise: after a CN packet, frames without audio get noise at the signalled level
// until audio returns.
func TestComfortNoise(t *testing.T) {
	tests := []struct {
		level    byte // -dBov
		kind     frameKind
		wantDBFS float64 // 0: untouched
	}{
		{40, frameSilence, -43},
		{60, frameConcealed, -63},
		{40, frameAudio, 0},
	}
	for _, tt := range tests {
		var cn comfortNoise
		cn.start([]byte{tt.level})
		frame := make([]int16, 960)
		frame[0] = 1
		cn.play(frame, tt.kind, 48000)
		got := dbfs(frame)
		if tt.wantDBFS == 0 {
			if frame[0] != 1 || frame[1] != 0 {
				t.Errorf("level %d, %v: frame changed", tt.level, tt.kind)
			}
			continue
		}
		if math.Abs(got-tt.wantDBFS) > 2 {
			t.Errorf("level %d: noise at %.1f dBFS, want about %.0f", tt.level, got, tt.wantDBFS)
		}
		cn.stop()
		clear(frame)
		cn.play(frame, tt.kind, 48000)
		if dbfs(frame) != MinDBFS {
			t.Errorf("level %d: noise after stop", tt.level)
		}
	}
}

// DTMF durations count in the codec's RTP clock: 100 ms is 800 at 8 kHz, 4800 at 48 kHz.
func TestDTMFClock(t *testing.T) {
	for _, tc := range []struct {
		scale    uint32
		step     uint16
		duration uint16
	}{{1, 160, 800}, {6, 960, 4800}} {
		var d dtmfTx
		d.begin(5, 1234)
		d.scale = tc.scale
		ev, first := d.step()
		if !first || ev.Duration != tc.step {
			t.Errorf("scale %d: first packet duration %d, want %d", tc.scale, ev.Duration, tc.step)
		}
		for !ev.End {
			ev, _ = d.step()
		}
		if ev.Duration != tc.duration {
			t.Errorf("scale %d: end duration %d, want %d", tc.scale, ev.Duration, tc.duration)
		}
	}
}

func TestPCMTimestamps(t *testing.T) {
	for _, tc := range []struct {
		rate, clock int
		ts, want    uint32
	}{
		{8000, 8000, 1000, 1000},
		{16000, 8000, 1000, 2000},             // G.722: two samples per RTP tick
		{16000, 8000, 0x80000010, 0x00000020}, // wraps, differences stay exact
		{48000, 48000, 7, 7},
		{48000, 8000, 10, 60}, // G.711 after a re-INVITE on a 48 kHz session
	} {
		s := &Session{rate: tc.rate}
		if got := s.pcmTS(tc.ts, tc.clock); got != tc.want {
			t.Errorf("rate %d clock %d ts %#x: %#x, want %#x", tc.rate, tc.clock, tc.ts, got, tc.want)
		}
	}
}

// A codec at another rate than the session's (a re-INVITE changed it) is resampled both ways.
func TestCodecAtOtherRate(t *testing.T) {
	c, err := atRate(ulaw, 16000)
	if err != nil {
		t.Fatal(err)
	}
	in := make([]int16, 320)
	var b [1500]byte
	total := 0
	for range 10 {
		total += c.enc(b[:], in)
	}
	if total < 1590 || total > 1600 {
		t.Errorf("10 frames of 320 samples at 16 kHz encoded to %d G.711 bytes, want about 1600", total)
	}
	out := make([]int16, 640)
	if n := c.dec(out, b[:160]); n < 310 || n > 330 {
		t.Errorf("160 G.711 bytes decoded to %d samples at 16 kHz, want about 320", n)
	}
}

func BenchmarkOpusEncode20ms(b *testing.B) {
	o, err := newOpusCoder(OpusParams{FEC: true})
	if err != nil {
		b.Fatal(err)
	}
	pcm := make([]int16, 960)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/48000))
	}
	var out [1500]byte
	b.ReportAllocs()
	for b.Loop() {
		o.encode(out[:], pcm)
	}
}

func BenchmarkOpusDecode20ms(b *testing.B) {
	o, err := newOpusCoder(OpusParams{FEC: true})
	if err != nil {
		b.Fatal(err)
	}
	pcm := make([]int16, 960)
	for i := range pcm {
		pcm[i] = int16(8000 * math.Sin(2*math.Pi*440*float64(i)/48000))
	}
	var pkt [1500]byte
	n := o.encode(pkt[:], pcm)
	b.ReportAllocs()
	for b.Loop() {
		o.decode(pcm, pkt[:n])
	}
}

// RFC 4733 digits cross an Opus call (telephone-event at 48 kHz) and a G.722 one (at 8 kHz).
func TestDTMFWideband(t *testing.T) {
	for _, c := range []Codec{opusCodec, g722Codec} {
		t.Run(c.Name, func(t *testing.T) {
			p := newPair(t, c, 0, 0)
			if err := p.a.SendDTMF("159#"); err != nil {
				t.Fatal(err)
			}
			waitFor(t, "digits at b", func() bool { d, _, _, _ := p.recB.get(); return len(d) >= 4 })
			if d, _, _, _ := p.recB.get(); d != "159#" {
				t.Fatalf("b got %q", d)
			}
		})
	}
}

// The jitter buffer at a wideband rate: frames, delays and concealment scale with the rate.
func TestJitterBufferAtRate(t *testing.T) {
	for _, rate := range []int{8000, 16000, 48000} {
		j := newJitterBufferAt(rate)
		frame := rate / 50
		if ms, want := j.delayMs(), float64(jbMinDelay+frameSamples)/8; ms != want {
			t.Errorf("%d Hz: delay %v ms at start, want %v (as at 8 kHz)", rate, ms, want)
		}
		pcm := make([]int16, frame)
		for i := range pcm {
			pcm[i] = 3000
		}
		now := time.Now()
		for k := range 4 {
			j.push(now.Add(time.Duration(k)*20*time.Millisecond), 1, uint16(k), uint32(k*frame), pcm)
		}
		out := make([]int16, maxFrameSamples+1) // one more: pop must not touch it
		if kind := j.pop(out); kind != frameAudio {
			t.Fatalf("%d Hz: first pop %v", rate, kind)
		}
		if out[frame-1] != 3000 || out[frame] != 0 {
			t.Errorf("%d Hz: pop filled %v..., want exactly %d samples", rate, out[frame-2:frame+1], frame)
		}
		for range 3 {
			j.pop(out)
		}
		clear(out)
		if kind := j.pop(out); kind != frameConcealed || out[0] == 0 || out[frame] != 0 {
			t.Errorf("%d Hz: after the last packet: %v, first sample %d", rate, kind, out[0])
		}
	}
}

// FuzzOpusReceive feeds arbitrary Opus payloads, sequence numbers and timestamps through the
// receive path (libopus decode, FEC and PLC of gaps, the 48 kHz jitter buffer): nothing panics
// and every queued packet holds what was decoded.
func FuzzOpusReceive(f *testing.F) {
	pkts := opusPackets(f, 2)
	f.Add(pkts[0], uint16(1), uint32(960), pkts[1], uint16(3), uint32(2880))
	f.Add([]byte{0xff, 0xff, 0xff}, uint16(0), uint32(0), []byte{}, uint16(1), uint32(960))
	s, err := NewSession(Config{LocalIP: loopback})
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(func() { _ = s.Close() })
	f.Fuzz(func(t *testing.T, a []byte, seqA uint16, tsA uint32, b []byte, seqB uint16, tsB uint32) {
		s.rate = 48000
		s.rx.jb = newJitterBufferAt(48000)
		s.rx.last = lastPacket{}
		if err := s.Update(Params{Codec: opusCodec, Opus: OpusParams{FEC: true}}); err != nil {
			t.Fatal(err)
		}
		s.mu.Lock()
		defer s.mu.Unlock()
		now := time.Now()
		s.receiveAudioLocked(&rtp.Packet{Header: rtp.Header{PayloadType: 111, SequenceNumber: seqA, Timestamp: tsA, SSRC: 1}, Payload: a}, now)
		s.receiveAudioLocked(&rtp.Packet{Header: rtp.Header{PayloadType: 111, SequenceNumber: seqB, Timestamp: tsB, SSRC: 1}, Payload: b}, now)
		out := make([]int16, maxFrameSamples)
		for range 4 {
			s.rx.jb.pop(out)
		}
	})
}
