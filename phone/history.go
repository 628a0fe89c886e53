package phone

import (
	"bufio"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"sync"
	"time"
)

// history keeps ended calls: in memory (the last maxHistory) and, when a file is configured,
// appended to it as JSON lines, so a restart loses nothing. A line is written and synced the
// moment a call ends.
type history struct {
	mu    sync.Mutex
	path  string
	calls []HistoryEntry
}

const maxHistory = 200

// HistoryEntry is one ended call as the history file stores it.
type HistoryEntry struct {
	ID        string    `json:"id"`
	Account   string    `json:"account"`
	Direction Direction `json:"direction"`
	Remote    string    `json:"remote"`
	Created   time.Time `json:"created"`
	Answered  time.Time `json:"answered,omitzero"`
	Ended     time.Time `json:"ended"`
	Code      int       `json:"code"`
	Reason    string    `json:"reason"`
	Codec     string    `json:"codec,omitempty"`
}

func historyEntry(c CallInfo) HistoryEntry {
	return HistoryEntry{
		ID: c.ID, Account: c.Account, Direction: c.Direction, Remote: c.Remote, Created: c.Created,
		Answered: c.Answered, Ended: c.Ended, Code: c.Code, Reason: c.Reason, Codec: c.Codec,
	}
}

// loadHistory reads the last entries of path (a missing file is an empty history). Lines that
// do not parse are skipped and counted, never fatal: the rest of the history still loads.
func loadHistory(path string) (*history, int, error) {
	h := &history{path: path}
	if path == "" {
		return h, 0, nil
	}
	f, err := os.Open(path)
	if os.IsNotExist(err) {
		return h, 0, nil
	}
	if err != nil {
		return h, 0, fmt.Errorf("reading call history: %w", err)
	}
	defer f.Close()
	bad := 0
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for sc.Scan() {
		var e HistoryEntry
		if err := json.Unmarshal(sc.Bytes(), &e); err != nil || e.Ended.IsZero() {
			bad++
			continue
		}
		h.calls = append(h.calls, e)
		if len(h.calls) > 2*maxHistory {
			h.calls = append(h.calls[:0], h.calls[len(h.calls)-maxHistory:]...)
		}
	}
	if len(h.calls) > maxHistory {
		h.calls = h.calls[len(h.calls)-maxHistory:]
	}
	if err := sc.Err(); err != nil {
		return h, bad, err
	}
	// A last line cut short (a crash mid-write) must not swallow the next entry.
	if st, err := f.Stat(); err == nil && st.Size() > 0 {
		last := make([]byte, 1)
		if _, err := f.ReadAt(last, st.Size()-1); err == nil && last[0] != '\n' {
			if af, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0o600); err == nil {
				_, _ = af.Write([]byte{'\n'})
				_ = af.Close()
			}
		}
	}
	return h, bad, nil
}

// add records an ended call; the file is appended to and synced at once.
func (h *history) add(e HistoryEntry) error {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.calls = append(h.calls, e)
	if len(h.calls) > maxHistory {
		h.calls = h.calls[len(h.calls)-maxHistory:]
	}
	if h.path == "" {
		return nil
	}
	line, err := json.Marshal(e)
	if err != nil {
		return err
	}
	if err := os.MkdirAll(filepath.Dir(h.path), 0o700); err != nil {
		return fmt.Errorf("call history: %w", err)
	}
	f, err := os.OpenFile(h.path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return fmt.Errorf("call history: %w", err)
	}
	_, werr := f.Write(append(line, '\n'))
	serr := f.Sync()
	cerr := f.Close()
	if werr != nil || serr != nil || cerr != nil {
		return fmt.Errorf("call history: writing %s: %v %v %v", h.path, werr, serr, cerr)
	}
	return nil
}

func (h *history) list() []HistoryEntry {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]HistoryEntry(nil), h.calls...)
}

// History returns the ended calls, oldest first (those of earlier runs too, with a history file).
func (p *Phone) History() []HistoryEntry { return p.hist.list() }
