package audio

import (
	"fmt"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/jfreymuth/pulse/proto"
)

// KindPulse talks to the PulseAudio server directly (its native protocol, pure Go) instead of
// through PortAudio and ALSA's pulse plugin, whose buffers add tens of milliseconds each way.
const KindPulse Kind = "pulse"

// pulseLadder: the buffer asked of the server each way (playback target length; record
// fragments are half of it), stepped up as latencyLadder is when the callbacks run late.
// Measured (docs/audio-delay.md): a first rung of 10 ms underflowed within a call's first
// second even on the quiet lab box, and the step up (a reopen, a gap) raised both phones'
// jitter buffers for the rest of the call: sipterm->sipterm 111 ms against 66.5 ms with a
// first rung of 20 ms, which held with 0-3 underflows a call.
var pulseLadder = []time.Duration{20 * time.Millisecond, 40 * time.Millisecond, 60 * time.Millisecond}

// NewPulseDevice connects to the PulseAudio server (PULSE_SERVER, or the user's) and opens
// a capture and a playback stream on it: the source and sink whose name or description holds
// opts.DeviceName, else PULSE_SOURCE and PULSE_SINK, else the server's defaults. It is the
// same device as the PortAudio one (streams, mixing, idle release, watchdog, ladder) with
// PulseAudio underneath. No server, or no such device: an error wrapping ErrNoDevice.
func NewPulseDevice(opts Options) (*PortAudioDevice, error) {
	log := orDiscard(opts.Logger)
	sink, source, rate, err := pulsePick(opts.DeviceName)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrNoDevice, err)
	}
	if opts.DeviceRate > 0 {
		rate = opts.DeviceRate
	}
	d := newSoundDevice(log, opts)
	b := &pulseBackend{d: d, sink: sink, source: source}
	d.be, d.name, d.lad.rungs = b, "pulse", pulseLadder
	if err := d.openFirst([]int{rate}); err != nil {
		return nil, err
	}
	d.name = "pulse: " + b.sourceName
	if b.sinkName != b.sourceName {
		d.name += " / " + b.sinkName
	}
	d.start()
	return d, nil
}

// pulsePick finds the sink and source to open ("" for the server's default) and the rate to
// run at: the sink's own, when it has a whole 20 ms block, so the server does not resample
// playback; else 48 kHz.
func pulsePick(name string) (sink, source string, rate int, err error) {
	c, conn, err := proto.Connect("")
	if err != nil {
		return "", "", 0, fmt.Errorf("connecting to PulseAudio: %w", err)
	}
	defer conn.Close()
	c.Callback = func(any) {} // the server closing first calls it
	var sinks proto.GetSinkInfoListReply
	if err := c.Request(&proto.GetSinkInfoList{}, &sinks); err != nil {
		return "", "", 0, fmt.Errorf("listing PulseAudio sinks: %w", err)
	}
	var sources proto.GetSourceInfoListReply
	if err := c.Request(&proto.GetSourceInfoList{}, &sources); err != nil {
		return "", "", 0, fmt.Errorf("listing PulseAudio sources: %w", err)
	}
	var server proto.GetServerInfoReply
	if err := c.Request(&proto.GetServerInfo{}, &server); err != nil {
		return "", "", 0, fmt.Errorf("asking PulseAudio for its defaults: %w", err)
	}
	sink, source = os.Getenv("PULSE_SINK"), os.Getenv("PULSE_SOURCE")
	if name != "" {
		s, src := pulseMatch(name, sinks, sources)
		if s == "" && src == "" {
			return "", "", 0, fmt.Errorf("no PulseAudio sink or source named like %q", name)
		}
		if s != "" {
			sink = s
		}
		if src != "" {
			source = src
		}
	}
	rate = 48000
	want := cmp(sink, server.DefaultSinkName)
	for _, s := range sinks {
		if s.SinkName == want && slices.Contains(deviceRates, int(s.Rate)) {
			rate = int(s.Rate)
		}
	}
	return sink, source, rate, nil
}

// pulseMatch is the first sink and the first source that is not a sink's monitor whose name
// or description holds name, case-insensitively ("" where none does).
func pulseMatch(name string, sinks proto.GetSinkInfoListReply, sources proto.GetSourceInfoListReply) (sink, source string) {
	want := strings.ToLower(name)
	has := func(s ...string) bool {
		for _, v := range s {
			if strings.Contains(strings.ToLower(v), want) {
				return true
			}
		}
		return false
	}
	for _, s := range sinks {
		if has(s.SinkName, s.Device) {
			sink = s.SinkName
			break
		}
	}
	for _, s := range sources {
		if s.MonitorSourceIndex == proto.Undefined && has(s.SourceName, s.Device) {
			source = s.SourceName
			break
		}
	}
	return sink, source
}

// cmp is a, or b when a is empty.
func cmp(a, b string) string {
	if a != "" {
		return a
	}
	return b
}

// ListPulseDevices lists the PulseAudio server's sinks (outputs) and sources (inputs, sinks'
// monitors among them), with HostAPI "pulse": what audio_device matches with --audio pulse.
func ListPulseDevices() ([]DeviceInfo, error) {
	c, conn, err := proto.Connect("")
	if err != nil {
		return nil, fmt.Errorf("connecting to PulseAudio: %w", err)
	}
	defer conn.Close()
	c.Callback = func(any) {}
	var server proto.GetServerInfoReply
	if err := c.Request(&proto.GetServerInfo{}, &server); err != nil {
		return nil, fmt.Errorf("asking PulseAudio for its defaults: %w", err)
	}
	var sinks proto.GetSinkInfoListReply
	if err := c.Request(&proto.GetSinkInfoList{}, &sinks); err != nil {
		return nil, fmt.Errorf("listing PulseAudio sinks: %w", err)
	}
	var sources proto.GetSourceInfoListReply
	if err := c.Request(&proto.GetSourceInfoList{}, &sources); err != nil {
		return nil, fmt.Errorf("listing PulseAudio sources: %w", err)
	}
	var out []DeviceInfo
	for _, s := range sinks {
		out = append(out, DeviceInfo{Name: s.SinkName, HostAPI: "pulse", Outputs: int(s.Channels),
			DefaultRate: float64(s.Rate), DefaultOutput: s.SinkName == server.DefaultSinkName})
	}
	for _, s := range sources {
		out = append(out, DeviceInfo{Name: s.SourceName, HostAPI: "pulse", Inputs: int(s.Channels),
			DefaultRate: float64(s.Rate), DefaultInput: s.SourceName == server.DefaultSourceName})
	}
	return out, nil
}
