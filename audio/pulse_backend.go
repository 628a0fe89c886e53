package audio

import (
	"errors"
	"fmt"
	"net"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"github.com/jfreymuth/pulse/proto"
)

// pulseBackend reaches the sound card through the PulseAudio server's native protocol. It
// uses the protocol layer of github.com/jfreymuth/pulse directly: its stream layer keeps
// stream state unguarded between goroutines and stops a stream on a reader's error, where the
// device needs its callbacks called with what the server asks for and every underflow counted.
// Each open is a fresh connection, so a restarted server is found again by the reopen loop.
type pulseBackend struct {
	d            *PortAudioDevice
	sink, source string     // asked for by name; "" is the server's default
	conn         *pulseConn // nil while closed
	// what the server chose, for the device's name
	sinkName, sourceName string
}

var _ backend = (*pulseBackend)(nil)

// pulseConn is one connection with its two streams. The protocol client's read goroutine
// calls dispatch for everything the server sends: capture data goes to captureCB, a request
// for playback is answered with what playCB mixes.
type pulseConn struct {
	d        *PortAudioDevice
	c        *proto.Client
	nc       net.Conn
	closed   atomic.Bool
	locked   bool                   // read goroutine only: it has its own raised OS thread
	gone     atomic.Pointer[string] // why the server ended the connection or a stream
	rec, pl  atomic.Uint32          // stream indexes; proto.Undefined until created
	inCh     int
	outCh    int
	fillMu   sync.Mutex // playback's buffers: open's first fill against the read goroutine's
	out      []int16
	outBytes []byte
	in       []int16 // read goroutine only
}

// fits: the server converts channels (and rates) itself, so mono both ways is all it takes.
func (b *pulseBackend) fits(inCh, outCh int) bool { return inCh == 1 && outCh == 1 }

func (b *pulseBackend) isOpen() bool { return b.conn != nil }

func (b *pulseBackend) lost() error {
	if b.conn == nil {
		return nil
	}
	if why := b.conn.gone.Load(); why != nil {
		return errors.New(*why)
	}
	return nil
}

func (b *pulseBackend) release() error { return nil }

// close drops the connection; the server deletes its streams with it. A dispatch already
// under way when it returns finds the connection closed and does nothing more.
func (b *pulseBackend) close() error {
	if b.conn == nil {
		return nil
	}
	c := b.conn
	b.conn = nil
	c.closed.Store(true)
	if err := c.nc.Close(); err != nil && !errors.Is(err, net.ErrClosed) {
		return fmt.Errorf("closing the PulseAudio connection: %w", err)
	}
	return nil
}

// open connects, creates the record and playback streams corked, fills the playback buffer
// and starts both. Playback asks for a target length of lat (the server sets the sink's
// latency to match); capture for fragments of half that.
func (b *pulseBackend) open(rate, inCh, outCh int, lat time.Duration) (Latency, error) {
	c, nc, err := proto.Connect("")
	if err != nil {
		return Latency{}, fmt.Errorf("connecting to PulseAudio: %w", err)
	}
	pc := &pulseConn{d: b.d, c: c, nc: nc, inCh: inCh, outCh: outCh}
	pc.rec.Store(proto.Undefined)
	pc.pl.Store(proto.Undefined)
	c.Callback = pc.dispatch // before any request: its reply orders this write before every read
	b.conn = pc
	l, err := b.create(pc, rate, lat)
	if err != nil {
		_ = b.close()
		return Latency{}, err
	}
	return l, nil
}

func (b *pulseBackend) create(pc *pulseConn, rate int, lat time.Duration) (Latency, error) {
	props := proto.PropList{
		"application.name": proto.PropListString("sipterm"),
		"media.role":       proto.PropListString("phone"),
	}
	if err := pc.c.Request(&proto.SetClientName{Props: props}, &proto.SetClientNameReply{}); err != nil {
		return Latency{}, fmt.Errorf("introducing sipterm to PulseAudio: %w", err)
	}
	bytesOf := func(d time.Duration, ch int) uint32 {
		return uint32(int64(rate)*int64(d)/int64(time.Second)) * uint32(ch) * 2
	}
	spec := func(ch int) proto.SampleSpec {
		return proto.SampleSpec{Format: proto.FormatInt16LE, Channels: byte(ch), Rate: uint32(rate)}
	}
	mono := func(ch int) proto.ChannelMap {
		if ch == 2 {
			return proto.ChannelMap{proto.ChannelLeft, proto.ChannelRight}
		}
		return proto.ChannelMap{proto.ChannelMono}
	}
	volume := func(ch int) proto.ChannelVolumes {
		v := make(proto.ChannelVolumes, ch)
		for i := range v {
			v[i] = 0x10000 // PA_VOLUME_NORM
		}
		return v
	}
	name := proto.PropList{"media.name": proto.PropListString("call audio"), "media.role": proto.PropListString("phone")}

	var rr proto.CreateRecordStreamReply
	err := pc.c.Request(&proto.CreateRecordStream{
		SampleSpec:         spec(pc.inCh),
		ChannelMap:         mono(pc.inCh),
		SourceIndex:        proto.Undefined,
		SourceName:         b.source,
		BufferMaxLength:    proto.Undefined,
		Corked:             true,
		BufferFragSize:     bytesOf(lat/2, pc.inCh),
		DirectOnInputIndex: proto.Undefined,
		AdjustLatency:      true,
		Properties:         name,
		ChannelVolumes:     volume(pc.inCh),
	}, &rr)
	if err != nil {
		return Latency{}, fmt.Errorf("opening PulseAudio capture (source %q): %w", b.source, err)
	}
	pc.rec.Store(rr.StreamIndex)

	var pr proto.CreatePlaybackStreamReply
	err = pc.c.Request(&proto.CreatePlaybackStream{
		SampleSpec:            spec(pc.outCh),
		ChannelMap:            mono(pc.outCh),
		SinkIndex:             proto.Undefined,
		SinkName:              b.sink,
		BufferMaxLength:       proto.Undefined,
		Corked:                true,
		BufferTargetLength:    bytesOf(lat, pc.outCh),
		BufferPrebufferLength: bytesOf(lat/2, pc.outCh),
		BufferMinimumRequest:  bytesOf(lat/4, pc.outCh),
		ChannelVolumes:        volume(pc.outCh),
		AdjustLatency:         true,
		Properties:            name,
	}, &pr)
	if err != nil {
		return Latency{}, fmt.Errorf("opening PulseAudio playback (sink %q): %w", b.sink, err)
	}
	pc.pl.Store(pr.StreamIndex)
	b.sinkName, b.sourceName = pr.SinkName, rr.SourceName
	if err := pc.fill(int(pr.Missing)); err != nil {
		return Latency{}, fmt.Errorf("filling PulseAudio playback: %w", err)
	}
	if err := pc.c.Request(&proto.CorkPlaybackStream{StreamIndex: pr.StreamIndex, Corked: false}, nil); err != nil {
		return Latency{}, fmt.Errorf("starting PulseAudio playback: %w", err)
	}
	if err := pc.c.Request(&proto.CorkRecordStream{StreamIndex: rr.StreamIndex, Corked: false}, nil); err != nil {
		return Latency{}, fmt.Errorf("starting PulseAudio capture: %w", err)
	}
	perSec := func(n uint32, ch int) time.Duration {
		return time.Duration(int64(n) / int64(ch*2) * int64(time.Second) / int64(rate))
	}
	return Latency{
		Input:  perSec(rr.BufferFragSize, pc.inCh) + time.Duration(rr.SourceLatency)*time.Microsecond,
		Output: perSec(pr.BufferTargetLength, pc.outCh) + time.Duration(pr.SinkLatency)*time.Microsecond,
	}, nil
}

// dispatch handles one message from the server, on the protocol client's read goroutine.
func (pc *pulseConn) dispatch(msg any) {
	if pc.closed.Load() {
		return
	}
	if !pc.locked {
		// The read goroutine is the device's audio thread: pinned to its OS thread (for the
		// connection's life; the thread ends with it) so that the callbacks' priority raise
		// holds for it and for nothing else.
		pc.locked = true
		runtime.LockOSThread()
	}
	switch m := msg.(type) {
	case *proto.DataPacket:
		if m.StreamIndex == pc.rec.Load() {
			pc.captured(m.Data)
		}
	case *proto.Request:
		if m.StreamIndex == pc.pl.Load() {
			_ = pc.fill(int(m.Length)) // a failed send is a dead connection: the watchdog sees it
		}
	case *proto.Underflow:
		if m.StreamIndex == pc.pl.Load() {
			pc.d.c.underflows.Add(1)
		}
	case *proto.ConnectionClosed:
		pc.lose("the PulseAudio server closed the connection")
	case *proto.PlaybackStreamKilled:
		pc.lose("the PulseAudio server ended the playback stream")
	case *proto.RecordStreamKilled:
		pc.lose("the PulseAudio server ended the capture stream")
	case *proto.Overflow: // the server's buffer was full: more was written than it asked for
		if m.StreamIndex == pc.pl.Load() {
			pc.d.c.playbackDrops.Add(1)
		}
	}
}

// captured hands little-endian samples (whole frames: the server sends no partial ones) to
// the device.
func (pc *pulseConn) captured(data []byte) {
	n := len(data) / 2
	if cap(pc.in) < n {
		pc.in = make([]int16, n)
	}
	in := pc.in[:n]
	for i := range in {
		in[i] = int16(uint16(data[2*i]) | uint16(data[2*i+1])<<8)
	}
	pc.d.captureCB(in, paNoTime, 0)
}

// fill sends n bytes of playback that playCB mixes.
func (pc *pulseConn) fill(n int) error {
	pc.fillMu.Lock()
	defer pc.fillMu.Unlock()
	frame := 2 * pc.outCh
	n -= n % frame
	if n <= 0 {
		return nil
	}
	if cap(pc.out) < n/2 {
		pc.out, pc.outBytes = make([]int16, n/2), make([]byte, n)
	}
	out, b := pc.out[:n/2], pc.outBytes[:n]
	pc.d.playCB(out, paNoTime, 0)
	for i, v := range out {
		b[2*i], b[2*i+1] = byte(v), byte(uint16(v)>>8)
	}
	return pc.c.Send(pc.pl.Load(), b)
}

// lose records the first reason the connection stopped working.
func (pc *pulseConn) lose(why string) { pc.gone.CompareAndSwap(nil, &why) }
