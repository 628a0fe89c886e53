package audio

import (
	"bytes"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestCaptureFD2(t *testing.T) {
	out, err := captureFD2(func() {
		_, _ = syscall.Write(2, []byte("from C-like code\n"))
		_, _ = os.Stderr.WriteString("from Go\n")
	})
	if err != nil {
		t.Fatal(err)
	}
	if string(out) != "from C-like code\nfrom Go\n" {
		t.Errorf("captured %q", out)
	}
	var logged bytes.Buffer
	log := slog.New(slog.NewTextHandler(&logged, &slog.HandlerOptions{Level: slog.LevelDebug}))
	err = withStderrLogged(log, func() error {
		_, _ = syscall.Write(2, []byte("chatter line\n"))
		return nil
	})
	if err != nil || !strings.Contains(logged.String(), `line="chatter line"`) {
		t.Errorf("err %v, logged %q", err, logged.String())
	}
}

func TestRedirectStderr(t *testing.T) {
	path := filepath.Join(t.TempDir(), "log")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var restoreErr error
	// Run inside captureFD2 so that, whatever happens, nothing reaches the test's real stderr.
	out, err := captureFD2(func() {
		fd2Mu.Unlock() // RedirectStderr takes the lock itself; captureFD2 holds it around fn
		defer fd2Mu.Lock()
		restore, err := RedirectStderr(f)
		if err != nil {
			restoreErr = err
			return
		}
		_, _ = syscall.Write(2, []byte("to the log file\n"))
		restoreErr = restore()
		_, _ = syscall.Write(2, []byte("after restore\n"))
	})
	if err != nil || restoreErr != nil {
		t.Fatal(err, restoreErr)
	}
	got, _ := os.ReadFile(path)
	if string(got) != "to the log file\n" || string(out) != "after restore\n" {
		t.Errorf("log file %q, stderr %q", got, out)
	}
}
