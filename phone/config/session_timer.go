package config

import (
	"fmt"
	"os"
	"strconv"
	"time"
)

// Session timer defaults (RFC 4028): what we ask for, and the RFC's floor for Min-SE.
const (
	DefaultSessionTimer = 1800 * time.Second
	MinSessionMinSE     = 90 * time.Second
)

// TestMinSEEnv, set to a number of seconds, lowers the 90 s floor of session_min_se and
// session_timer. It exists only so that tests can see a session expire in seconds; a real
// deployment must not set it (RFC 4028 §4 forbids intervals under 90 s).
const TestMinSEEnv = "SIPTERM_TEST_MIN_SE"

func sessionFloor() time.Duration {
	if n, err := strconv.Atoi(os.Getenv(TestMinSEEnv)); err == nil && n > 0 {
		return time.Duration(n) * time.Second
	}
	return MinSessionMinSE
}

// validateSessionTimer checks session_timer and session_min_se and fills their defaults.
func (a *Account) validateSessionTimer() *keyError {
	floor := sessionFloor()
	a.SessionMinSEDur = MinSessionMinSE
	if a.SessionMinSE != "" {
		d, err := parseDelay(a.SessionMinSE)
		if err != nil {
			return &keyError{"session_min_se", err.Error()}
		}
		if d < floor || d%time.Second != 0 {
			return &keyError{"session_min_se", fmt.Sprintf("%v: want whole seconds, at least %v (RFC 4028)", d, floor)}
		}
		a.SessionMinSEDur = d
	}
	a.SessionTimerDur = DefaultSessionTimer
	if a.SessionTimer != "" {
		d, err := parseDelay(a.SessionTimer)
		if err != nil {
			return &keyError{"session_timer", err.Error()}
		}
		if d != 0 && (d < a.SessionMinSEDur || d%time.Second != 0) {
			return &keyError{"session_timer", fmt.Sprintf("%v: want 0s (off) or whole seconds, at least session_min_se (%v)", d, a.SessionMinSEDur)}
		}
		a.SessionTimerDur = d
	}
	if a.SessionTimerDur != 0 && a.SessionTimerDur < a.SessionMinSEDur {
		a.SessionMinSEDur = a.SessionTimerDur
	}
	return nil
}
