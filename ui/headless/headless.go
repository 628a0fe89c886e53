package headless

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"sync"
	"time"

	"github.com/sipterm/sipterm/phone"
)

// Core is what the headless front end needs of the phone (*phone.Phone satisfies it).
type Core interface {
	Subscribe() *phone.Subscription
	Dial(account, target string) (string, error)
	Answer(id string) error
	Reject(id string, code int) error
	Hangup(id string) error
	Hold(id string) error
	Resume(id string) error
	ToggleMute(id string) (bool, error)
	SendDTMF(id, digits string) error
	Transfer(id, target string) error
	Calls() []phone.CallInfo
	Accounts() []phone.AccountInfo
	Debug() (calls, goroutines int)
}

// refusalCounter is the phone's screening counters (by reason) for the debug reply; an
// interface of its own so that test doubles of Core need not have it.
type refusalCounter interface{ Refused() map[string]uint64 }

// exporter writes a call's capture (the export command); its own interface for the same reason.
type exporter interface {
	Export(id, dir string) (string, string, error)
}

// Headless runs the contract: it prints events and carries out commands until quit.
type Headless struct {
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

// Execute runs one command line; it reports true for quit.
func (h *Headless) Execute(line string) (quit bool) {
	cmd, err := Parse(line)
	if err != nil {
		h.errorEvent(err.Error())
		return false
	}
	c := h.core
	switch cmd.Verb {
	case "":
	case "quit":
		return true
	case "help":
		h.emit(map[string]any{"event": "help", "commands": usage})
	case "dial":
		id, err := c.Dial(cmd.Account, cmd.Arg)
		if err != nil {
			h.errorEvent(err.Error())
			return false
		}
		h.emit(map[string]any{"event": "dialing", "id": id, "target": cmd.Arg})
	case "answer":
		err = c.Answer(cmd.ID)
	case "reject":
		err = c.Reject(cmd.ID, cmd.Code)
	case "hangup":
		err = c.Hangup(cmd.ID)
	case "hold":
		err = c.Hold(cmd.ID)
	case "resume":
		err = c.Resume(cmd.ID)
	case "mute":
		_, err = c.ToggleMute(cmd.ID)
	case "dtmf":
		err = c.SendDTMF(cmd.ID, cmd.Arg)
	case "transfer":
		err = c.Transfer(cmd.ID, cmd.Arg)
	case "export":
		x, ok := c.(exporter)
		if !ok {
			err = fmt.Errorf("export: not supported")
			break
		}
		id, pcap, xerr := x.Export(cmd.ID, cmd.Arg)
		if xerr != nil {
			err = xerr
			break
		}
		h.emit(map[string]any{"event": "export", "id": id, "pcap": pcap, "summary": strings.TrimSuffix(pcap, ".pcap") + ".json"})
	case "calls":
		calls := c.Calls()
		for _, ci := range calls {
			h.emit(callJSON(ci))
		}
		h.emit(map[string]any{"event": "calls", "count": len(calls)})
	case "accounts":
		accts := c.Accounts()
		for _, a := range accts {
			h.emit(registrationJSON(a))
		}
		h.emit(map[string]any{"event": "accounts", "count": len(accts)})
	case "debug":
		calls, goroutines := c.Debug()
		var ms runtime.MemStats
		runtime.GC() // live figures, not the garbage of the last seconds
		runtime.ReadMemStats(&ms)
		obj := map[string]any{"event": "debug", "calls": calls, "goroutines": goroutines,
			"heap_inuse_kb": ms.HeapInuse / 1024, "stack_inuse_kb": ms.StackInuse / 1024, "sys_kb": ms.Sys / 1024}
		if r, ok := c.(refusalCounter); ok {
			obj["refused"] = r.Refused()
		}
		h.emit(obj)
	}
	if err != nil {
		h.errorEvent(err.Error())
	}
	return false
}

func (h *Headless) errorEvent(msg string) {
	h.emit(map[string]any{"event": "error", "message": msg})
}

func (h *Headless) emit(obj map[string]any) {
	h.mu.Lock()
	defer h.mu.Unlock()
	_ = h.enc.Encode(obj)
	_ = h.out.Flush()
}

func callJSON(c phone.CallInfo) map[string]any {
	m := map[string]any{
		"event": "call", "id": c.ID, "state": string(c.State), "direction": string(c.Direction),
		"remote": c.Remote, "account": c.Account,
	}
	if c.Code != 0 {
		m["code"] = c.Code
	}
	if c.Reason != "" {
		m["reason"] = c.Reason
	}
	if c.Codec != "" {
		m["codec"] = c.Codec
	}
	if c.Encryption != "" {
		m["encryption"] = c.Encryption
	}
	if c.Muted {
		m["muted"] = true
	}
	if c.State == phone.StateTerminated && !c.Answered.IsZero() {
		m["duration_s"] = c.Duration(time.Now()).Seconds()
	}
	return m
}

func registrationJSON(a phone.AccountInfo) map[string]any {
	m := map[string]any{"event": "registration", "account": a.Name, "aor": a.AOR, "state": string(a.State)}
	if a.Code != 0 {
		m["code"] = a.Code
	}
	if a.Reason != "" {
		m["reason"] = a.Reason
	}
	if !a.Expires.IsZero() {
		m["expires_s"] = int(time.Until(a.Expires).Seconds())
	}
	if a.LastError != "" {
		m["last_error"] = a.LastError
	}
	if a.Transport != "" {
		m["transport"] = a.Transport
	}
	if a.Contact != "" {
		m["contact"] = a.Contact
	}
	if a.TLSInsecure {
		m["tls_insecure"] = true
	}
	return m
}

func statsJSON(id string, s phone.MediaStats) map[string]any {
	return map[string]any{
		"event": "stats", "id": id, "sent": s.PacketsSent, "received": s.PacketsReceived, "lost": s.PacketsLost,
		"loss_pct": s.LossPercent, "remote_loss_pct": s.RemoteLossPercent, "jitter_ms": s.JitterMs,
		"rtt_ms": s.RTTMs, "jitter_buffer_ms": s.JitterBufferMs, "mic_dbfs": s.MicDBFS, "speaker_dbfs": s.SpeakerDBFS, "mos": s.MOS,
		"srtp_auth_failures": s.AuthFailures,
	}
}

// eventJSON maps a core event to its JSON line (nil: not part of the headless output).
func eventJSON(e phone.Event) map[string]any {
	switch e := e.(type) {
	case phone.EventReady:
		return map[string]any{"event": "ready", "listen": e.Listen}
	case phone.EventRegistration:
		return registrationJSON(e.Account)
	case phone.EventCall:
		return callJSON(e.Call)
	case phone.EventMedia:
		m := map[string]any{"event": "media", "id": e.ID, "codec": e.Codec, "local": e.Local, "remote": e.Remote, "direction": e.Direction,
			"encryption": e.Encryption}
		if e.SRTPSuite != "" {
			m["srtp_suite"] = e.SRTPSuite
		}
		return m
	case phone.EventMediaStop:
		return map[string]any{"event": "media_stop", "id": e.ID}
	case phone.EventDTMF:
		return map[string]any{"event": "dtmf", "id": e.ID, "digit": e.Digit, "source": e.Source}
	case phone.EventStats:
		return statsJSON(e.ID, e.Stats)
	case phone.EventNotice:
		return map[string]any{"event": "notice", "level": e.Level, "message": e.Message}
	}
	return nil
}
