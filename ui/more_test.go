package ui

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

func established(id, remote string) phone.CallInfo {
	return phone.CallInfo{ID: id, Account: "alice", Direction: phone.DirOut, Remote: remote,
		State: phone.StateEstablished, Created: fixedNow.Add(-time.Minute), Answered: fixedNow.Add(-50 * time.Second)}
}

func TestHoldMuteDTMF(t *testing.T) {
	h := start(t, 80, 24, Options{}, nil)
	h.core.publish(phone.EventCall{Call: established("c1", "sip:bob@example.org")})
	h.waitText("established")
	h.key(tcell.KeyRune, '5')
	h.waitCmd("dtmf c1 5")
	h.key(tcell.KeyRune, '#')
	h.waitCmd("dtmf c1 #")
	h.key(tcell.KeyRune, 'm')
	h.waitCmd("mute c1 true")
	h.key(tcell.KeyRune, 'H')
	h.waitCmd("hold c1")
	held := established("c1", "sip:bob@example.org")
	held.State, held.Held, held.Muted = phone.StateHeld, true, true
	h.core.publish(phone.EventCall{Call: held})
	h.waitText("held muted")
	h.key(tcell.KeyRune, 'H')
	h.waitCmd("resume c1")
	h.key(tcell.KeyRune, 'm')
	h.waitCmd("mute c1 false")
	// DTMF needs an established call.
	h.key(tcell.KeyRune, '7')
	h.waitText("DTMF needs an established call")
}

func TestCommandLine(t *testing.T) {
	h := start(t, 80, 24, Options{}, nil)
	h.core.publish(phone.EventCall{Call: established("c1", "sip:bob@example.org")},
		phone.EventCall{Call: established("c2", "sip:carol@example.org")})
	h.waitText("carol")
	for _, tc := range []struct{ line, want string }{
		{"dtmf c2 123", "dtmf c2 123"},
		{"hangup c1", "hangup c1"},
		{"dial sip:dave@example.org", "dial |sip:dave@example.org"},
		{"echo", "dial |echo"},
	} {
		h.key(tcell.KeyRune, ':')
		h.typeText(tc.line)
		h.key(tcell.KeyEnter, 0)
		h.waitCmd(tc.want)
	}
}

func TestLogWriterAndFilter(t *testing.T) {
	h := start(t, 80, 24, Options{LogLines: 50}, nil)
	h.waitText("no calls")
	w := h.u.LogWriter()
	var wg sync.WaitGroup
	for g := 0; g < 4; g++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := 0; i < 100; i++ {
				fmt.Fprintf(w, "writer %d line %d\n", g, i)
			}
		}()
	}
	wg.Wait()
	fmt.Fprint(w, "partial ")
	fmt.Fprint(w, "needle line\n")
	h.waitText("partial needle line")
	if n := len(h.u.logs.lines); n > 50 {
		t.Errorf("scrollback %d lines, want at most 50", n)
	}
	h.key(tcell.KeyRune, '/')
	h.typeText("writer 2 line 99")
	s := h.waitText("Log /writer 2 line 99")
	if strings.Contains(s, "needle") {
		t.Errorf("filter shows a line it should hide:\n%s", s)
	}
	h.key(tcell.KeyEnter, 0) // keep the filter
	h.waitFor("filter kept", func(s string) bool { return strings.Contains(s, "Log /writer") && strings.Contains(s, "q quit") })
	h.key(tcell.KeyEsc, 0) // clear it
	h.waitFor("filter cleared", func(s string) bool { return !strings.Contains(s, "Log /") && strings.Contains(s, "needle") })
}

func TestResizeSwitchesLayout(t *testing.T) {
	h := start(t, 80, 24, Options{}, nil)
	h.core.publish(phone.EventCall{Call: established("c1", "sip:bob@example.org")})
	h.waitText("established")
	h.sim.SetSize(160, 48)
	h.u.app.QueueEvent(tcell.NewEventResize(160, 48))
	h.waitFor("side by side", func(s string) bool {
		for _, l := range strings.Split(s, "\n") {
			if strings.Contains(l, "Call c1") && strings.Contains(l, "Log") {
				return true
			}
		}
		return false
	})
	h.sim.SetSize(60, 20)
	h.u.app.QueueEvent(tcell.NewEventResize(60, 20))
	h.waitFor("stacked", func(s string) bool {
		lines := strings.Split(s, "\n")
		return len(lines) >= 20 && len([]rune(lines[1])) == 60 && !strings.Contains(lines[1]+lines[10], "Log ")
	})
}

func TestMouseSelectsCall(t *testing.T) {
	h := start(t, 80, 24, Options{}, nil)
	h.core.publish(phone.EventCall{Call: established("c1", "sip:bob@example.org")},
		phone.EventCall{Call: established("c2", "sip:carol@example.org")})
	h.waitText("Call c1 sip:bob")
	s := h.text()
	y := -1
	for i, l := range strings.Split(s, "\n") {
		if strings.Contains(l, "carol@example.org") && y < 0 {
			y = i // the Calls row, not the log line
		}
	}
	h.sim.InjectMouse(10, y, tcell.Button1, tcell.ModNone)
	h.sim.InjectMouse(10, y, tcell.ButtonNone, tcell.ModNone)
	h.waitText("Call c2 sip:carol")
}

func TestNoColorIsMonochrome(t *testing.T) {
	t.Setenv("NO_COLOR", "1")
	h := start(t, 80, 24, Options{Theme: "solarized"}, nil)
	h.core.publish(phone.EventCall{Call: incoming("c1", "sip:bob@example.org")})
	h.waitText("INCOMING")
	colored := make(chan string, 1)
	go h.u.app.QueueUpdate(func() {
		cells, w, _ := h.sim.GetContents()
		for i, c := range cells {
			fg, bg, _ := c.Style.Decompose()
			blank := len(c.Runes) == 0 || c.Runes[0] == ' '
			if (fg != tcell.ColorDefault && !blank) || bg != tcell.ColorDefault {
				colored <- fmt.Sprintf("cell %d,%d %q fg %v bg %v", i%w, i/w, string(c.Runes), fg, bg)
				return
			}
		}
		colored <- ""
	})
	if c := <-colored; c != "" {
		t.Errorf("NO_COLOR screen has color: %s", c)
	}
}

func TestUnknownTheme(t *testing.T) {
	u := NewWithScreen(newFakeCore(), Options{Theme: "neon"}, tcell.NewSimulationScreen("UTF-8"))
	if err := u.Run(t.Context()); err == nil || !strings.Contains(err.Error(), "neon") {
		t.Fatalf("Run = %v, want an unknown-theme error", err)
	}
}

func TestSubscriptionEndStopsUI(t *testing.T) {
	h := start(t, 80, 24, Options{}, nil)
	h.waitText("no calls")
	close(h.core.events)
	select {
	case err := <-h.done:
		if err != nil {
			t.Fatal(err)
		}
		h.done <- nil
	case <-time.After(waitLimit):
		t.Fatal("Run did not return when the subscription ended")
	}
}

// finiScreen reports Fini on stderr, so the child process shows the terminal was restored
// before the panic was printed.
type finiScreen struct{ tcell.SimulationScreen }

func (s finiScreen) Fini() {
	fmt.Fprintln(os.Stderr, "SCREEN-FINI")
	s.SimulationScreen.Fini()
}

type panicCore struct{ *fakeCore }

func (panicCore) Calls() []phone.CallInfo { panic("core exploded") }

func TestPumpPanicRestoresScreen(t *testing.T) {
	if os.Getenv("UI_PANIC_CHILD") == "1" {
		u := NewWithScreen(panicCore{newFakeCore()}, Options{}, finiScreen{tcell.NewSimulationScreen("UTF-8")})
		_ = u.Run(t.Context())
		// Run must not return while the panic is unwinding: the caller would go on to exit 0.
		fmt.Fprintln(os.Stderr, "RUN-RETURNED")
		return
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestPumpPanicRestoresScreen$")
	cmd.Env = append(os.Environ(), "UI_PANIC_CHILD=1")
	out, err := cmd.CombinedOutput()
	if err == nil {
		t.Fatalf("child did not panic:\n%s", out)
	}
	s := string(out)
	fini, pan := strings.Index(s, "SCREEN-FINI"), strings.Index(s, "panic: core exploded")
	if fini < 0 || pan < 0 || fini > pan || strings.Contains(s, "RUN-RETURNED") {
		t.Fatalf("want the screen finalised before the panic is printed, and Run not returning, got:\n%s", s)
	}
}

func TestRawSIPView(t *testing.T) {
	h := start(t, 100, 30, Options{}, nil)
	h.core.publish(phone.EventCall{Call: established("c1", "sip:bob@example.org")},
		phone.EventSIP{Time: fixedNow, CallID: "c1", Out: true, Remote: "udp:192.0.2.10:5060",
			Summary: "BYE sip:bob@192.0.2.10 SIP/2.0",
			Raw:     "BYE sip:bob@192.0.2.10 SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nCSeq: 2 BYE\r\n\r\n"})
	h.waitText("│─ BYE sip:bob@192.0.2.10 SIP/2.0")
	h.key(tcell.KeyRune, 'v')
	h.waitFor("raw view", func(s string) bool {
		return strings.Contains(s, "raw SIP") && strings.Contains(s, "CSeq: 2 BYE") &&
			strings.Contains(s, "12:00:30.000  →  to udp:192.0.2.10:5060")
	})
	h.key(tcell.KeyRune, 'v')
	h.waitFor("ladder again", func(s string) bool { return !strings.Contains(s, "CSeq: 2 BYE") })
}

func TestTidySlog(t *testing.T) {
	for _, tc := range []struct{ in, stamp, rest string }{
		{`time=2026-01-02T12:00:20.5Z level=INFO msg="call state" call=c1`, "12:00:20", "call state call=c1"},
		{`time=2026-01-02T12:00:21Z level=WARN msg=odd x=1`, "12:00:21", "WARN odd x=1"},
		{`plain line`, "", "plain line"},
		{`time=garbage level=INFO msg=x`, "", "time=garbage level=INFO msg=x"},
	} {
		stamp, rest, _ := tidySlog(tc.in, time.UTC)
		if stamp != tc.stamp || rest != tc.rest {
			t.Errorf("tidySlog(%q) = %q, %q; want %q, %q", tc.in, stamp, rest, tc.stamp, tc.rest)
		}
	}
}

func TestCompactListen(t *testing.T) {
	got := compactListen([]string{"udp:127.0.0.1:5060", "tcp:127.0.0.1:5060", "udp:[::1]:5062"})
	want := []string{"udp/tcp:127.0.0.1:5060", "udp:[::1]:5062"}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("compactListen = %q, want %q", got, want)
	}
}

// TestFloodStaysResponsive: a burst of events neither starves keys nor delays shutdown, and the
// pump ends with Run: with Run's safety bound on the pump lifted, Run returning proves it ended.
func TestFloodStaysResponsive(t *testing.T) {
	h := startTuned(t, 80, 24, Options{}, nil, func(u *UI) { u.pumpGrace = time.Hour })
	h.core.publish(phone.EventCall{Call: established("c1", "sip:bob@example.org")})
	h.waitText("established")
	stop := make(chan struct{})
	flooded := make(chan struct{})
	go func() {
		defer close(flooded)
		for i := 0; ; i++ {
			var ev phone.Event = phone.EventSIP{Time: fixedNow, CallID: "c1", Out: i%2 == 0, Summary: fmt.Sprintf("OPTIONS %d", i)}
			if i%10 == 0 {
				ev = phone.EventStats{ID: "c1", Stats: phone.MediaStats{PacketsReceived: uint64(i), MOS: 4.1}}
			}
			select {
			case h.core.events <- ev:
			case <-stop:
				return
			}
		}
	}()
	h.key(tcell.KeyRune, 'h')
	h.waitCmd("hangup c1")
	h.waitText("OPTIONS")
	h.u.requestStop()
	select {
	case <-h.done:
		h.done <- nil
	case <-time.After(waitLimit):
		t.Fatal("Run did not return during a flood: the pump did not end with it")
	}
	close(stop)
	<-flooded
}
