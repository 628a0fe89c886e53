//go:build !linux

package audio

import (
	"errors"
	"log/slog"
	"os"
)

// captureFD2 is only implemented on Linux.
func captureFD2(fn func()) ([]byte, error) {
	fn()
	return nil, errors.New("capturing stderr: not supported on this system")
}

// withStderrLogged runs fn; stderr is not captured on this system.
func withStderrLogged(_ *slog.Logger, fn func() error) error { return fn() }

// RedirectStderr is only implemented on Linux.
func RedirectStderr(_ *os.File) (restore func() error, err error) {
	return nil, errors.New("redirecting stderr: not supported on this system")
}
