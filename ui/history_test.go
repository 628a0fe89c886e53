package ui

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

// earlierCalls is a call history as the core keeps it (oldest first): calls of earlier runs.
func earlierCalls() []phone.HistoryEntry {
	d := func(y int, m time.Month, day, h, min int) time.Time {
		return time.Date(y, m, day, h, min, 0, 0, time.UTC)
	}
	return []phone.HistoryEntry{
		{ID: "c4", Account: "alice", Direction: phone.DirOut, Remote: "sip:dave@example.org",
			Created: d(2025, 12, 31, 9, 0), Answered: d(2025, 12, 31, 9, 0).Add(3 * time.Second),
			Ended: d(2025, 12, 31, 9, 10), Code: 200, Reason: "BYE", Codec: "opus"},
		{ID: "c1", Account: "alice", Direction: phone.DirIn, Remote: "sip:carol@example.org",
			Created: d(2026, 1, 1, 18, 30), Ended: d(2026, 1, 1, 18, 31), Code: 487, Reason: "Request Terminated"},
		{ID: "c2", Account: "work", Direction: phone.DirOut, Remote: "sip:bob@example.org",
			Created: d(2026, 1, 2, 11, 58), Answered: d(2026, 1, 2, 11, 58).Add(5 * time.Second),
			Ended: d(2026, 1, 2, 11, 59).Add(7 * time.Second), Code: 200, Reason: "BYE", Codec: "PCMU"},
	}
}

// lineWith is the screen line holding sub, and its index (-1: none).
func lineWith(screen, sub string) (string, int) {
	for i, l := range strings.Split(screen, "\n") {
		if strings.Contains(l, sub) {
			return l, i
		}
	}
	return "", -1
}

// styleAt is the style of the screen cell where sub starts (read on the event goroutine).
func (h *harness) styleAt(sub string) (tcell.Style, bool) {
	type res struct {
		st tcell.Style
		ok bool
	}
	out := make(chan res, 1)
	go h.u.app.QueueUpdate(func() {
		cells, w, ht := h.sim.GetContents()
		for y := 0; y < ht; y++ {
			var line []rune
			for x := 0; x < w; x++ {
				r := cells[y*w+x].Runes
				if len(r) == 0 {
					r = []rune{' '}
				}
				line = append(line, r[0])
			}
			if i := strings.Index(string(line), sub); i >= 0 {
				x := len([]rune(string(line)[:i]))
				out <- res{cells[y*w+x].Style, true}
				return
			}
		}
		out <- res{}
	})
	select {
	case r := <-out:
		return r.st, r.ok
	case <-time.After(waitLimit):
		h.t.Fatal("screen read timed out")
		return tcell.Style{}, false
	}
}

func TestHistoryRowsShowAfterStart(t *testing.T) {
	h := start(t, 100, 30, Options{}, func(c *fakeCore) { c.history = earlierCalls() })
	s := h.waitText("sip:carol@example.org")
	// Each earlier call is a row: when it started, direction, remote, duration, how it ended.
	for _, want := range [][]string{
		{"2025-12-31", "→ out", "sip:dave@example.org", "terminated 200", "9:57", "opus"},
		{"Jan 01", "← in", "sip:carol@example.org", "terminated 487"},
		{"11:58", "→ out", "sip:bob@example.org", "terminated 200", "1:02", "PCMU"},
	} {
		l, _ := lineWith(s, want[2])
		for _, w := range want {
			if !strings.Contains(l, w) {
				t.Errorf("history row for %s lacks %q: %q", want[2], w, l)
			}
		}
	}
	if _, i := lineWith(s, "no calls"); i >= 0 {
		t.Errorf("Calls pane says no calls with a history:\n%s", s)
	}
	// Dimmed, and the latest one is selected, shown in the call pane as an earlier call.
	h.waitFor("dimmed history row", func(string) bool {
		st, ok := h.styleAt("sip:carol@example.org")
		_, _, attr := st.Decompose()
		return ok && attr&tcell.AttrDim != 0
	})
	h.waitText("Earlier call sip:bob@example.org")
	h.waitText("from the call history: 2026-01-02 11:58:00 – 11:59:07")
	h.waitText("3 earlier call(s) from the call history")

	// A call of this run comes after the history, and is not dimmed.
	h.core.publish(phone.EventCall{Call: established("c1", "sip:erin@example.org")})
	s = h.waitText("sip:erin@example.org")
	_, hist := lineWith(s, "sip:bob@example.org")
	_, live := lineWith(s, "sip:erin@example.org")
	if hist < 0 || live < hist {
		t.Errorf("this run's call should follow the history rows:\n%s", s)
	}
	if st, _ := h.styleAt("sip:erin@example.org"); func() bool { _, _, a := st.Decompose(); return a&tcell.AttrDim != 0 }() {
		t.Error("a call of this run is dimmed")
	}
}

func TestRedialFromHistoryRow(t *testing.T) {
	h := start(t, 100, 30, Options{}, func(c *fakeCore) { c.history = earlierCalls() })
	h.waitText("Earlier call sip:bob@example.org")
	// Enter on the (selected) latest earlier call puts its remote into the dial line...
	h.key(tcell.KeyEnter, 0)
	h.waitText("redial: sip:bob@example.org")
	// ...and Enter dials it.
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("dial |sip:bob@example.org")

	// d on another row does the same; typing replaces the suggestion.
	h.waitFor("hint bar back", func(s string) bool { return !strings.Contains(s, "redial:") })
	h.key(tcell.KeyRune, 'k')
	h.waitText("Earlier call sip:carol@example.org")
	h.key(tcell.KeyRune, 'd')
	h.waitText("redial: sip:carol@example.org")
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("dial |sip:carol@example.org")
	h.waitFor("hint bar back", func(s string) bool { return !strings.Contains(s, "redial:") })
	h.key(tcell.KeyRune, 'd')
	h.waitText("redial: sip:carol@example.org")
	h.typeText("dave")
	s := h.waitText("dial: dave")
	if strings.Contains(s, "carol@example.orgdave") {
		t.Fatalf("typing did not replace the suggestion:\n%s", s)
	}
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("dial |dave")
}

func TestRedialUsesTheCallsAccount(t *testing.T) {
	h := start(t, 100, 30, Options{}, func(c *fakeCore) {
		c.history = earlierCalls()
		c.accounts = []phone.AccountInfo{{Name: "alice", AOR: "sip:alice@example.org", State: phone.RegRegistered},
			{Name: "work", AOR: "sip:1001@pbx.example.com", State: phone.RegRegistered}}
	})
	h.waitText("Earlier call sip:bob@example.org")
	h.key(tcell.KeyEnter, 0)
	h.waitText("redial: work sip:bob@example.org")
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("dial work|sip:bob@example.org")
}

func TestEnterStillAnswersWithHistory(t *testing.T) {
	h := start(t, 100, 30, Options{}, func(c *fakeCore) { c.history = earlierCalls() })
	h.waitText("Earlier call sip:bob@example.org")
	h.core.publish(phone.EventCall{Call: incoming("c1", "sip:frank@example.org")})
	h.waitText("INCOMING CALL c1")
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("answer c1")
}

// stop ends a harness's Run (q without live calls) and waits for it.
func (h *harness) stop() {
	h.t.Helper()
	h.key(tcell.KeyRune, 'q')
	select {
	case err := <-h.done:
		h.done <- err // for the cleanup
		if err != nil {
			h.t.Fatal(err)
		}
	case <-time.After(waitLimit):
		h.t.Fatal("Run did not return after q")
	}
}

func TestDialHistorySurvivesRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "state", "dial_history")
	opts := Options{DialHistoryFile: file}
	h := start(t, 80, 24, opts, nil)
	h.waitText("no calls")
	h.key(tcell.KeyRune, 'd')
	h.waitText("dial:")
	h.typeText("bob")
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("dial |bob")
	h.key(tcell.KeyRune, ':')
	h.typeText("sip:carol@example.org")
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("dial |sip:carol@example.org")
	h.key(tcell.KeyRune, ':')
	h.typeText("call sip:dave@example.org") // the target is kept, not the command
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("dial |sip:dave@example.org")
	h.key(tcell.KeyRune, ':')
	h.typeText("hold") // a command, not a target: not kept in the file
	h.key(tcell.KeyEnter, 0)
	h.waitText("no live call to hold")
	h.stop()
	data, err := os.ReadFile(file)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := string(data), "bob\nsip:carol@example.org\nsip:dave@example.org\n"; got != want {
		t.Fatalf("dial history file = %q, want %q", got, want)
	}

	// A new UI on the same file recalls them with ↑.
	h2 := start(t, 80, 24, opts, nil)
	h2.waitText("no calls")
	h2.key(tcell.KeyRune, 'd')
	h2.waitText("dial:")
	h2.key(tcell.KeyUp, 0)
	h2.waitText("dial: sip:dave@example.org")
	h2.key(tcell.KeyUp, 0)
	h2.waitText("dial: sip:carol@example.org")
	h2.key(tcell.KeyUp, 0)
	h2.waitText("dial: bob")
	h2.key(tcell.KeyEnter, 0)
	h2.waitCmd("dial |bob")
	h2.stop()
	data, _ = os.ReadFile(file)
	if got, want := string(data), "bob\nsip:carol@example.org\nsip:dave@example.org\nbob\n"; got != want {
		t.Fatalf("dial history file = %q, want %q", got, want)
	}
}

func TestDialHistoryKeepsTheLast100(t *testing.T) {
	file := filepath.Join(t.TempDir(), "dial_history")
	var sb strings.Builder
	for i := range 250 {
		sb.WriteString("sip:user" + strings.Repeat("x", i%3) + "@example.org" + string(rune('a'+i%26)) + "\n")
	}
	sb.WriteString("last\n")
	if err := os.WriteFile(file, []byte(sb.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	lines, warnings := loadDialHistory(file)
	if len(lines) != maxHistory || lines[len(lines)-1] != "last" || len(warnings) != 0 {
		t.Fatalf("got %d lines ending %q, warnings %q", len(lines), lines[len(lines)-1], warnings)
	}
}

func TestDialHistoryCorruptFileIsNotFatal(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "dial_history")
	if err := os.WriteFile(file, []byte("bob\n\x00\x01\xff\xfegarbage\ncarol\n"+strings.Repeat("y", 5000)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	h := start(t, 100, 30, Options{DialHistoryFile: file}, nil)
	h.waitText("skipped 2 unreadable line(s)")
	h.key(tcell.KeyRune, 'd')
	h.key(tcell.KeyUp, 0)
	h.waitText("dial: carol")
	h.key(tcell.KeyUp, 0)
	h.waitText("dial: bob")
	h.key(tcell.KeyEsc, 0)

	// A file that cannot be read at all (here: a directory) is reported; dialling still works.
	h2 := start(t, 100, 30, Options{DialHistoryFile: dir}, nil)
	h2.waitText("dial history unreadable, starting empty")
	h2.key(tcell.KeyRune, 'd')
	h2.typeText("bob")
	h2.key(tcell.KeyEnter, 0)
	h2.waitCmd("dial |bob")
	h2.waitText("dial history not saved")
}
