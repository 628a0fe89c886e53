package headless

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"io"
	"sync"
	"time"

	"github.com/sipterm/sipterm/phone"
	"github.com/sipterm/sipterm/ui/command"
)

// Core is what the headless front end needs of the phone (*phone.Phone satisfies it): events;
// each command asserts the methods it needs (ui/command.Need).
type Core interface {
	Subscribe() *phone.Subscription
}

// Headless runs the contract: it prints events and carries out commands until quit.
type Headless struct {
	// SIP adds a sip event per SIP message (the phone must publish them: phone.Options.SIPEvents).
	SIP  bool
	core Core
	mu   sync.Mutex // one JSON line at a time
	enc  *json.Encoder
	out  *bufio.Writer
}

// New creates the front end writing JSON lines to out.
func New(core Core, out io.Writer) *Headless {
	w := bufio.NewWriter(out)
	return &Headless{core: core, out: w, enc: json.NewEncoder(w)}
}

// Subscribe must be called before the phone starts, so that no event (ready) is missed.
func (h *Headless) Subscribe() *phone.Subscription { return h.core.Subscribe() }

// Pump prints every event of sub until it closes (after the phone is closed).
func (h *Headless) Pump(sub *phone.Subscription) {
	for e := range sub.C() {
		if s, ok := e.(phone.EventSIP); ok {
			if h.SIP {
				h.emit(sipJSON(s))
			}
			continue
		}
		if obj := eventJSON(e); obj != nil {
			h.emit(obj)
		}
	}
}

// ReadCommands carries out commands from in until quit (returns true) or end of input
// (returns false: the phone keeps running, as the contract says), or ctx ends.
func (h *Headless) ReadCommands(ctx context.Context, in io.Reader) (quit bool) {
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(in)
		sc.Buffer(make([]byte, 64*1024), 1024*1024)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-ctx.Done():
				return
			}
		}
	}()
	for {
		select {
		case <-ctx.Done():
			return false
		case line, ok := <-lines:
			if !ok {
				return false
			}
			if h.Execute(line) {
				return true
			}
		}
	}
}

// Execute runs one command line; it reports true for quit. A line tagged "@TAG" gets every
// reply tagged "req":"TAG" and ends with an ok or error reply (docs/protocol.md, Replies).
func (h *Headless) Execute(line string) (quit bool) {
	cmd, err := command.Parse(line)
	reply := func(obj map[string]any) {
		if cmd.Req != "" {
			obj["req"] = cmd.Req
		}
		h.emit(obj)
	}
	if err == nil {
		err = command.Run(command.Env{Core: h.core, Reply: reply}, cmd)
	}
	switch {
	case errors.Is(err, command.ErrQuit):
		quit, err = true, nil
	case err != nil:
		reply(map[string]any{"event": "error", "message": err.Error()})
		return false
	}
	if cmd.Req != "" {
		reply(map[string]any{"event": "ok"})
	}
	return quit
}

// emit writes one JSON line, stamped with the time it is written ("ts", RFC 3339 ms UTC).
func (h *Headless) emit(obj map[string]any) {
	if _, ok := obj["ts"]; !ok {
		obj["ts"] = Timestamp(time.Now())
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	_ = h.enc.Encode(obj)
	_ = h.out.Flush()
}

// Timestamp is the protocol's "ts": RFC 3339, milliseconds, UTC.
func Timestamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z07:00") }

func sipJSON(e phone.EventSIP) map[string]any {
	dir := "in"
	if e.Out {
		dir = "out"
	}
	return map[string]any{"event": "sip", "ts": Timestamp(e.Time), "call_id": e.CallID, "direction": dir,
		"local": e.Local, "remote": e.Remote, "summary": e.Summary, "raw": e.Raw}
}

func statsJSON(id string, s phone.MediaStats) map[string]any {
	return map[string]any{
		"event": "stats", "id": id, "sent": s.PacketsSent, "received": s.PacketsReceived, "lost": s.PacketsLost,
		"loss_pct": s.LossPercent, "remote_loss_pct": s.RemoteLossPercent, "jitter_ms": s.JitterMs,
		"rtt_ms": s.RTTMs, "jitter_buffer_ms": s.JitterBufferMs, "mic_dbfs": s.MicDBFS, "speaker_dbfs": s.SpeakerDBFS, "mos": s.MOS,
		"srtp_auth_failures": s.AuthFailures, "remote_jitter_ms": s.RemoteJitterMs, "remote_mos": s.RemoteMOS,
		"concealed": s.ConcealedFrames, "late": s.LateDropped,
	}
}

// eventJSON maps a core event to its JSON line (nil: not part of the headless output).
func eventJSON(e phone.Event) map[string]any {
	switch e := e.(type) {
	case phone.EventReady:
		return map[string]any{"event": "ready", "listen": e.Listen}
	case phone.EventRegistration:
		return command.RegistrationJSON(e.Account)
	case phone.EventCall:
		return withFinalStats(command.CallJSON(e.Call), e.Call)
	case phone.EventMedia:
		m := map[string]any{"event": "media", "id": e.ID, "codec": e.Codec, "local": e.Local, "remote": e.Remote, "direction": e.Direction,
			"encryption": e.Encryption}
		if e.SRTPSuite != "" {
			m["srtp_suite"] = e.SRTPSuite
		}
		if e.Ptime != 0 {
			m["ptime"] = e.Ptime
		}
		return m
	case phone.EventStream:
		return streamJSON(e)
	case phone.EventPolicy:
		return map[string]any{"event": "policy", "id": e.ID, "rule": e.Rule, "action": e.Action}
	case phone.EventRecording:
		return map[string]any{"event": "recording", "id": e.ID, "file": e.File}
	case phone.EventMediaStop:
		return map[string]any{"event": "media_stop", "id": e.ID}
	case phone.EventDTMF:
		return map[string]any{"event": "dtmf", "id": e.ID, "digit": e.Digit, "source": e.Source}
	case phone.EventStats:
		return statsJSON(e.ID, e.Stats)
	case phone.EventTransfer:
		return transferJSON(e)
	case phone.EventNotice:
		return map[string]any{"event": "notice", "level": e.Level, "message": e.Message}
	case phone.EventDND:
		return map[string]any{"event": "dnd", "on": e.On}
	case phone.EventDiagnosis:
		m := map[string]any{"event": "diagnosis", "id": e.ID, "kind": e.Kind, "message": e.Message}
		if e.Direction != "" {
			m["direction"] = e.Direction
		}
		return m
	}
	return nil
}
