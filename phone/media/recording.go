package media

import "github.com/sipterm/sipterm/audio"

// RecordPath is the file the session's audio stream records to ("" = none, or not started).
func (s *Session) RecordPath() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	if r, ok := s.stream.(audio.Recording); ok {
		return r.RecordPath()
	}
	return ""
}
