package ui

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

// fakeCore records commands and publishes events through the eventSource seam.
type fakeCore struct {
	events chan phone.Event
	cmds   chan string

	mu       sync.Mutex
	calls    []phone.CallInfo
	accounts []phone.AccountInfo
	history  []phone.HistoryEntry
	nextID   int
}

var _ Core = (*fakeCore)(nil)

func newFakeCore() *fakeCore {
	return &fakeCore{events: make(chan phone.Event, 1024), cmds: make(chan string, 1024)}
}

func (f *fakeCore) eventStream() (<-chan phone.Event, func()) { return f.events, func() {} }

func (f *fakeCore) publish(evs ...phone.Event) {
	for _, e := range evs {
		f.events <- e
	}
}

func (f *fakeCore) rec(s string) { f.cmds <- s }

func (f *fakeCore) Subscribe() *phone.Subscription { return nil }
func (f *fakeCore) Dial(account, target string) (string, error) {
	f.mu.Lock()
	f.nextID++
	id := fmt.Sprintf("c%d", 100+f.nextID)
	f.mu.Unlock()
	f.rec("dial " + account + "|" + target)
	return id, nil
}
func (f *fakeCore) Answer(id string) error { f.rec("answer " + id); return nil }
func (f *fakeCore) Reject(id string, code int) error {
	f.rec(fmt.Sprintf("reject %s %d", id, code))
	return nil
}
func (f *fakeCore) Hangup(id string) error { f.rec("hangup " + id); return nil }
func (f *fakeCore) Hold(id string) error   { f.rec("hold " + id); return nil }
func (f *fakeCore) Resume(id string) error { f.rec("resume " + id); return nil }
func (f *fakeCore) Mute(id string, on bool) error {
	f.rec(fmt.Sprintf("mute %s %v", id, on))
	return nil
}
func (f *fakeCore) SendDTMF(id, digits string) error { f.rec("dtmf " + id + " " + digits); return nil }
func (f *fakeCore) Calls() []phone.CallInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]phone.CallInfo(nil), f.calls...)
}
func (f *fakeCore) Accounts() []phone.AccountInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]phone.AccountInfo(nil), f.accounts...)
}
func (f *fakeCore) History() []phone.HistoryEntry {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]phone.HistoryEntry(nil), f.history...)
}
func (f *fakeCore) Listen() []string    { return []string{"udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"} }
func (f *fakeCore) AudioDevice() string { return "null (no sound device)" }

// waitLimit bounds every wait: generous, because -race on a loaded 2-core machine is slow.
const waitLimit = 10 * time.Second

// fixedNow is the clock of every test screen.
var fixedNow = time.Date(2026, 1, 2, 12, 0, 30, 0, time.UTC)

// beepScreen counts bells.
type beepScreen struct {
	tcell.SimulationScreen
	mu    sync.Mutex
	beeps int
}

func (s *beepScreen) Beep() error {
	s.mu.Lock()
	s.beeps++
	s.mu.Unlock()
	return nil
}

func (s *beepScreen) count() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.beeps
}

// harness runs a UI on a simulation screen.
type harness struct {
	t    *testing.T
	u    *UI
	sim  *beepScreen
	core *fakeCore
	done chan error
}

func start(t *testing.T, w, h int, opts Options, setup func(*fakeCore)) *harness {
	t.Helper()
	return startTuned(t, w, h, opts, setup, nil)
}

// startTuned is start with tune run on the UI before Run (for fields only tests set).
func startTuned(t *testing.T, w, h int, opts Options, setup func(*fakeCore), tune func(*UI)) *harness {
	t.Helper()
	sim := &beepScreen{SimulationScreen: tcell.NewSimulationScreen("UTF-8")}
	core := newFakeCore()
	if setup != nil {
		setup(core)
	}
	u := NewWithScreen(core, opts, sim)
	sim.SetSize(w, h)
	u.now = func() time.Time { return fixedNow }
	u.loc = time.UTC
	if tune != nil {
		tune(u)
	}
	ctx, cancel := context.WithCancel(context.Background())
	hs := &harness{t: t, u: u, sim: sim, core: core, done: make(chan error, 1)}
	go func() { hs.done <- u.Run(ctx) }()
	t.Cleanup(func() {
		cancel()
		select {
		case <-hs.done:
		case <-time.After(waitLimit):
			t.Error("Run did not return after cancel")
		}
	})
	return hs
}

// text reads the screen on the event goroutine (the simulation's front buffer is live).
func (h *harness) text() string {
	out := make(chan string, 1)
	go h.u.app.QueueUpdate(func() {
		cells, w, ht := h.sim.GetContents()
		var sb strings.Builder
		for y := 0; y < ht; y++ {
			var line strings.Builder
			for x := 0; x < w; x++ {
				r := cells[y*w+x].Runes
				if len(r) == 0 {
					line.WriteByte(' ')
					continue
				}
				line.WriteString(string(r))
			}
			sb.WriteString(strings.TrimRight(line.String(), " "))
			sb.WriteByte('\n')
		}
		out <- sb.String()
	})
	select {
	case s := <-out:
		return s
	case <-time.After(waitLimit):
		h.t.Fatal("screen read timed out (event loop stuck?)")
		return ""
	}
}

// focusInfo describes the focus, for failure messages.
func (h *harness) focusInfo() string {
	buf := make([]byte, 1<<20)
	n := runtime.Stack(buf, true)
	stacks := filepath.Join(os.TempDir(), fmt.Sprintf("ui-test-stacks-%d.txt", os.Getpid()))
	_ = os.WriteFile(stacks, buf[:n], 0o644)
	out := make(chan string, 1)
	go h.u.app.QueueUpdate(func() {
		f := h.u.app.GetFocus()
		front, _ := h.u.v.bottom.GetFrontPage()
		out <- fmt.Sprintf("focus %T input=%v rootHasFocus=%v bottom=%s mode=%d; goroutines in %s", f, f == h.u.v.input,
			h.u.v.root.HasFocus(), front, h.u.st.mode, stacks)
	})
	select {
	case s := <-out:
		return s
	case <-time.After(waitLimit):
		return "event loop stuck"
	}
}

// waitFor polls the screen until cond holds, with a deadline.
func (h *harness) waitFor(what string, cond func(screen string) bool) string {
	h.t.Helper()
	deadline := time.Now().Add(waitLimit)
	var s string
	for time.Now().Before(deadline) {
		s = h.text()
		if cond(s) {
			return s
		}
		time.Sleep(10 * time.Millisecond)
	}
	h.t.Fatalf("timed out waiting for %s (%s); screen:\n%s", what, h.focusInfo(), s)
	return s
}

func (h *harness) waitText(sub string) string {
	h.t.Helper()
	return h.waitFor(fmt.Sprintf("%q", sub), func(s string) bool { return strings.Contains(s, sub) })
}

// waitCmd waits for the fake core to record a command.
func (h *harness) waitCmd(want string) {
	h.t.Helper()
	deadline := time.After(waitLimit)
	var got []string
	for {
		select {
		case c := <-h.core.cmds:
			if c == want {
				return
			}
			got = append(got, c)
		case <-deadline:
			h.t.Fatalf("core never got %q (got %q; %s); screen:\n%s", want, got, h.focusInfo(), h.text())
		}
	}
}

func (h *harness) key(k tcell.Key, r rune) { h.sim.InjectKey(k, r, tcell.ModNone) }

func (h *harness) typeText(s string) {
	for _, r := range s {
		h.key(tcell.KeyRune, r)
	}
}
