package ui

import (
	"bytes"
	"strconv"
	"strings"
	"sync"
	"time"
)

// level is the severity of a log line.
type level int

const (
	levelInfo level = iota
	levelSIP
	levelWarn
	levelError
)

// logLine is one line of the Log pane.
type logLine struct {
	t     time.Time
	lvl   level
	text  string
	stamp bool // our own line: show the time in front of it
}

// logBuffer holds the Log pane's bounded scrollback. Writers are any goroutine; the pump is woken
// without blocking and renders on the event goroutine.
type logBuffer struct {
	mu      sync.Mutex
	max     int
	lines   []logLine
	partial []byte
	flash   logLine // the latest warning or error of our own, for the message line
	seq     uint64  // bumped on every change
	sel     string  // a call to select once it is known (set by the dial goroutine)
	wake    chan struct{}
}

func newLogBuffer(max int) *logBuffer {
	return &logBuffer{max: max, wake: make(chan struct{}, 1)}
}

// Write takes whole or partial lines (from slog, for instance). It never blocks on the UI.
func (b *logBuffer) Write(p []byte) (int, error) {
	now := time.Now()
	b.mu.Lock()
	b.partial = append(b.partial, p...)
	for {
		i := bytes.IndexByte(b.partial, '\n')
		if i < 0 {
			break
		}
		line := strings.TrimRight(string(b.partial[:i]), "\r")
		b.partial = b.partial[i+1:]
		b.appendLocked(logLine{t: now, lvl: guessLevel(line), text: line})
	}
	if len(b.partial) > 4096 { // a runaway line without newline: cut it
		b.appendLocked(logLine{t: now, lvl: levelInfo, text: string(b.partial)})
		b.partial = nil
	}
	b.mu.Unlock()
	b.kick()
	return len(p), nil
}

// add appends one of our own lines; warnings and errors also go to the message line.
func (b *logBuffer) add(lvl level, text string, t time.Time) {
	l := logLine{t: t, lvl: lvl, text: text, stamp: true}
	b.mu.Lock()
	b.appendLocked(l)
	if lvl >= levelWarn {
		b.flash = l
	}
	b.mu.Unlock()
	b.kick()
}

// selectCall asks the event goroutine to select call id once it shows up.
func (b *logBuffer) selectCall(id string) {
	b.mu.Lock()
	b.sel = id
	b.seq++
	b.mu.Unlock()
	b.kick()
}

// takeSelect returns and clears the pending selection.
func (b *logBuffer) takeSelect() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	s := b.sel
	b.sel = ""
	return s
}

func (b *logBuffer) appendLocked(l logLine) {
	b.lines = append(b.lines, l)
	if over := len(b.lines) - b.max; over > 0 {
		// Drop in chunks so trimming stays cheap.
		drop := over + b.max/10
		if drop > len(b.lines) {
			drop = len(b.lines)
		}
		b.lines = append(b.lines[:0:0], b.lines[drop:]...)
	}
	b.seq++
}

func (b *logBuffer) kick() {
	select {
	case b.wake <- struct{}{}:
	default:
	}
}

// snapshot copies what the Log pane needs.
func (b *logBuffer) snapshot() (lines []logLine, flash logLine, seq uint64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]logLine(nil), b.lines...), b.flash, b.seq
}

func guessLevel(line string) level {
	switch {
	case strings.Contains(line, "level=ERROR"), strings.Contains(line, "ERROR "):
		return levelError
	case strings.Contains(line, "level=WARN"), strings.Contains(line, "WARN "):
		return levelWarn
	}
	return levelInfo
}

// logText renders the lines that match the filter (case-insensitive substring).
func (u *UI) logText(lines []logLine, filter string) string {
	var sb strings.Builder
	f := strings.ToLower(filter)
	for _, l := range lines {
		if f != "" && !strings.Contains(strings.ToLower(l.text), f) {
			continue
		}
		if sb.Len() > 0 {
			sb.WriteByte('\n')
		}
		text := l.text
		stamp := ""
		if l.stamp {
			stamp = l.t.In(u.loc).Format("15:04:05")
		} else if st, rest, ok := tidySlog(text, u.loc); ok {
			stamp, text = st, rest
		}
		if stamp != "" {
			sb.WriteString(u.th.tag(u.th.dim) + stamp + " " + u.th.reset())
		}
		c := u.levelColor(l.lvl)
		if c != "" {
			sb.WriteString(c)
		}
		sb.WriteString(clean(text))
		if c != "" {
			sb.WriteString(u.th.reset())
		}
	}
	return sb.String()
}

func (u *UI) levelColor(l level) string {
	switch l {
	case levelError:
		return u.th.tag(u.th.bad)
	case levelWarn:
		return u.th.tag(u.th.warn)
	case levelSIP:
		return u.th.tag(u.th.dim)
	}
	return ""
}

// refreshLog re-renders the Log pane and the message line (event goroutine).
func (u *UI) refreshLog() {
	if id := u.logs.takeSelect(); id != "" {
		if _, ok := u.st.calls[id]; ok {
			u.st.selected = id
			u.renderCalls()
			u.renderDetail()
		} else {
			u.st.wantSelect = id
		}
	}
	lines, flash, seq := u.logs.snapshot()
	if seq == u.st.logSeq && u.st.logFilter == u.st.logFilterShown {
		return
	}
	u.st.logSeq = seq
	u.st.logFilterShown = u.st.logFilter
	u.v.log.SetText(u.logText(lines, u.st.logFilter))
	title := "Log"
	if u.st.logFilter != "" {
		title = "Log /" + u.st.logFilter
	}
	u.v.log.SetTitle(" " + clean(title) + " ")
	u.st.flash = flash
	u.renderMessage()
}

// logf adds a line of our own to the Log pane. Safe from any goroutine.
func (u *UI) logf(lvl level, text string) { u.logs.add(lvl, text, u.now()) }

// tidySlog shortens a log/slog text line for the narrow Log pane:
// `time=2026-01-02T12:00:20.5Z level=INFO msg="call state" call=c1` becomes
// ("12:00:20", "call state call=c1"); levels other than INFO stay in front.
func tidySlog(line string, loc *time.Location) (stamp, rest string, ok bool) {
	v, rest, found := strings.Cut(strings.TrimPrefix(line, "time="), " ")
	if !found || !strings.HasPrefix(line, "time=") {
		return "", line, false
	}
	t, err := time.Parse(time.RFC3339Nano, v)
	if err != nil {
		return "", line, false
	}
	if lv, r, ok := strings.Cut(strings.TrimPrefix(rest, "level="), " "); ok && strings.HasPrefix(rest, "level=") {
		rest = r
		if lv != "INFO" {
			rest = lv + " " + rest
		}
	}
	if i := strings.Index(rest, "msg="); i >= 0 {
		m := rest[i+4:]
		if q, err := strconv.QuotedPrefix(m); err == nil {
			if unq, err := strconv.Unquote(q); err == nil {
				m = unq + m[len(q):]
			}
		}
		rest = rest[:i] + m
	}
	return t.In(loc).Format("15:04:05"), rest, true
}
