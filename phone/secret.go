package phone

import (
	"sync"

	"github.com/sipterm/sipterm/phone/config"
)

// secretCache holds an account's password for the session: password_cmd (a password manager,
// maybe asking a person) runs once, and again only after the registrar rejected the cached
// secret. The secret lives in memory only; it never reaches a log.
type secretCache struct {
	cfg *config.Account

	mu    sync.Mutex
	have  bool
	value string
}

// get returns the cached secret, resolving it the first time.
func (s *secretCache) get() (string, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.have {
		return s.value, nil
	}
	v, err := s.cfg.Secret()
	if err != nil {
		return "", err
	}
	s.value, s.have = v, true
	return v, nil
}

// forget drops a secret that was rejected, when asking again can give another one
// (password_cmd); it reports whether a new attempt makes sense.
func (s *secretCache) forget() bool {
	if s.cfg.PasswordCmd == "" {
		return false
	}
	s.mu.Lock()
	s.have, s.value = false, ""
	s.mu.Unlock()
	return true
}
