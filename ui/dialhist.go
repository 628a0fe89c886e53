package ui

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"
)

// The dial history file (Options.DialHistoryFile) keeps the dialled targets, one per line, so
// ↑ in the dial line recalls them after a restart. It is read once, when the UI is built, and
// appended to the moment a target is dialled. Nothing about it is ever fatal: an unreadable file
// or unreadable lines are reported in the Log pane and the phone works on without them.

const (
	dialHistTail    = 1 << 20 // only the file's last MiB is read
	dialHistLineMax = 1024    // longer lines are not something a person typed: skipped
)

// dialHistory appends lines to the file in order, off the event goroutine: append queues the line
// and, when no writer runs, starts one short goroutine that drains the queue and ends.
type dialHistory struct {
	path string
	logs *logBuffer
	now  func() time.Time

	mu      sync.Mutex
	queue   []string
	running bool
	idle    chan struct{} // closed when the writer has drained the queue (nil: none ran yet)
	failed  bool          // a write failed: reported once
}

// loadDialHistory reads the last maxHistory lines of path. A missing file is an empty history;
// problems come back as warnings for the Log pane.
func loadDialHistory(path string) (lines []string, warnings []string) {
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return nil, nil
	}
	if err != nil {
		return nil, []string{"dial history unreadable, starting empty: " + err.Error()}
	}
	defer f.Close()
	var skipFirst bool
	if st, err := f.Stat(); err == nil && st.Size() > dialHistTail {
		if _, err := f.Seek(st.Size()-dialHistTail, io.SeekStart); err == nil {
			skipFirst = true // most likely cut in the middle
		}
	}
	data, err := io.ReadAll(io.LimitReader(f, dialHistTail+1))
	if err != nil {
		return nil, []string{"dial history unreadable, starting empty: " + err.Error()}
	}
	raw := strings.Split(string(data), "\n")
	if skipFirst && len(raw) > 0 {
		raw = raw[1:]
	}
	bad := 0
	for _, l := range raw {
		l = strings.TrimSpace(strings.TrimRight(l, "\r"))
		if l == "" {
			continue
		}
		if !plausibleLine(l) {
			bad++
			continue
		}
		if n := len(lines); n > 0 && lines[n-1] == l {
			continue
		}
		lines = append(lines, l)
	}
	if len(lines) > maxHistory {
		lines = lines[len(lines)-maxHistory:]
	}
	if bad > 0 {
		warnings = append(warnings, fmt.Sprintf("dial history: skipped %d unreadable line(s) in %s", bad, path))
	}
	return lines, warnings
}

// plausibleLine is a line a person could have typed into the dial line.
func plausibleLine(l string) bool {
	if len(l) > dialHistLineMax || !utf8.ValidString(l) {
		return false
	}
	for _, r := range l {
		if unicode.IsControl(r) || r == utf8.RuneError {
			return false
		}
	}
	return true
}

// append queues a dialled line for the file; it never blocks on the file system.
func (d *dialHistory) append(line string) {
	if d == nil || d.path == "" {
		return
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.queue = append(d.queue, line)
	if d.running {
		return
	}
	d.running = true
	d.idle = make(chan struct{})
	go d.drain(d.idle)
}

func (d *dialHistory) drain(idle chan struct{}) {
	defer close(idle)
	for {
		d.mu.Lock()
		q := d.queue
		d.queue = nil
		if len(q) == 0 {
			d.running = false
			d.mu.Unlock()
			return
		}
		d.mu.Unlock()
		var buf bytes.Buffer
		for _, l := range q {
			buf.WriteString(l + "\n")
		}
		if err := d.write(buf.Bytes()); err != nil {
			d.mu.Lock()
			first := !d.failed
			d.failed = true
			d.mu.Unlock()
			if first {
				d.logs.add(levelWarn, "dial history not saved: "+err.Error(), d.now())
			}
		}
	}
}

func (d *dialHistory) write(b []byte) error {
	if err := os.MkdirAll(filepath.Dir(d.path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(d.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return err
	}
	_, werr := f.Write(b)
	cerr := f.Close()
	if werr != nil {
		return werr
	}
	return cerr
}

// wait waits up to limit for queued lines to reach the file (Run calls it on the way out).
func (d *dialHistory) wait(limit time.Duration) {
	if d == nil {
		return
	}
	d.mu.Lock()
	idle := d.idle
	d.mu.Unlock()
	if idle == nil {
		return
	}
	select {
	case <-idle:
	case <-time.After(limit):
	}
}
