package audio

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"log/slog"
	"os"
	"sync"
	"syscall"
)

// fd2Mu serialises redirections of file descriptor 2 within this process.
var fd2Mu sync.Mutex

// captureFD2 runs fn with file descriptor 2 (stderr) redirected into a pipe and returns what
// was written to it, by any code in the process, C libraries included. The redirection is
// process-wide, so it is meant for start-up, before a TUI owns the terminal.
func captureFD2(fn func()) ([]byte, error) {
	fd2Mu.Lock()
	defer fd2Mu.Unlock()
	r, w, err := os.Pipe()
	if err != nil {
		return nil, fmt.Errorf("capturing stderr: %w", err)
	}
	saved, err := syscall.Dup(2)
	if err != nil {
		r.Close()
		w.Close()
		return nil, fmt.Errorf("capturing stderr: saving fd 2: %w", err)
	}
	if err := syscall.Dup3(int(w.Fd()), 2, 0); err != nil {
		r.Close()
		w.Close()
		syscall.Close(saved)
		return nil, fmt.Errorf("capturing stderr: redirecting fd 2: %w", err)
	}
	var buf bytes.Buffer
	read := make(chan struct{})
	go func() { // drain while fn runs, so a chatty library never fills the pipe and blocks
		_, _ = io.Copy(&buf, r)
		close(read)
	}()
	fn()
	restoreErr := syscall.Dup3(saved, 2, 0)
	syscall.Close(saved)
	w.Close() // with fd 2 restored this was the last write end: the reader sees EOF
	<-read
	r.Close()
	if restoreErr != nil {
		return buf.Bytes(), fmt.Errorf("capturing stderr: restoring fd 2: %w", restoreErr)
	}
	return buf.Bytes(), nil
}

// withStderrLogged runs fn with stderr captured and forwards each captured line to log.
func withStderrLogged(log *slog.Logger, fn func() error) error {
	var ferr error
	ran := false
	out, err := captureFD2(func() { ferr, ran = fn(), true })
	if err != nil {
		log.Warn("cannot capture stderr", "err", err)
		if !ran {
			return fn()
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		log.Debug("native library stderr", "line", sc.Text())
	}
	return ferr
}

// RedirectStderr points file descriptor 2 at f until restore is called. Meant for the TUI:
// once the device is running, PortAudio's ALSA host still prints its own failures ("Expression
// '...' failed in pa_linux_alsa.c") to stderr on device errors, and no hook silences those;
// with fd 2 on the log file they land there instead of across the screen, and so does a crash
// trace. It is process-wide; a logger writing to os.Stderr then writes to f too.
func RedirectStderr(f *os.File) (restore func() error, err error) {
	fd2Mu.Lock()
	defer fd2Mu.Unlock()
	saved, err := syscall.Dup(2)
	if err != nil {
		return nil, fmt.Errorf("redirecting stderr: saving fd 2: %w", err)
	}
	if err := syscall.Dup3(int(f.Fd()), 2, 0); err != nil {
		syscall.Close(saved)
		return nil, fmt.Errorf("redirecting stderr to %s: %w", f.Name(), err)
	}
	var once sync.Once
	return func() error {
		var rerr error
		once.Do(func() {
			fd2Mu.Lock()
			defer fd2Mu.Unlock()
			if err := syscall.Dup3(saved, 2, 0); err != nil {
				rerr = fmt.Errorf("restoring stderr: %w", err)
			}
			syscall.Close(saved)
		})
		return rerr
	}, nil
}
