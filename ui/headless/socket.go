package headless

import (
	"context"
	"errors"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"syscall"
	"time"
)

// ControlPath is where the control socket lives: $XDG_RUNTIME_DIR/sipterm/ctl, else
// /tmp/sipterm-UID/ctl.
func ControlPath() string {
	if d := os.Getenv("XDG_RUNTIME_DIR"); d != "" {
		return filepath.Join(d, "sipterm", "ctl")
	}
	return filepath.Join(os.TempDir(), "sipterm-"+strconv.Itoa(os.Getuid()), "ctl")
}

// ListenControl opens the control socket at path: its directory 0700, the socket owner-only. A
// socket left by a dead process is replaced; one a live phone answers on is an error.
func ListenControl(path string) (net.Listener, error) {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("control socket: creating %s: %w", dir, err)
	}
	// Another user's directory (e.g. planted in /tmp) is never ours to use.
	if fi, err := os.Lstat(dir); err != nil || !fi.IsDir() {
		return nil, fmt.Errorf("control socket: %s is not a directory", dir)
	} else if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Getuid() {
		return nil, fmt.Errorf("control socket: %s belongs to another user", dir)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return nil, fmt.Errorf("control socket: %s: %w", dir, err)
	}
	if _, err := os.Lstat(path); err == nil {
		c, err := net.DialTimeout("unix", path, time.Second)
		if err == nil {
			c.Close()
			return nil, fmt.Errorf("control socket %s: another sipterm is running there", path)
		}
		if err := os.Remove(path); err != nil {
			return nil, fmt.Errorf("control socket: removing the stale %s: %w", path, err)
		}
	}
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("control socket: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		ln.Close()
		return nil, fmt.Errorf("control socket: %s: %w", path, err)
	}
	return ln, nil
}

// ServeControl speaks the headless protocol on every connection of ln (each with its own event
// stream) until ctx ends; then it closes ln and the connections. A quit command calls onQuit.
func ServeControl(ctx context.Context, ln net.Listener, core Core, sip bool, onQuit func()) {
	var wg sync.WaitGroup
	stop := context.AfterFunc(ctx, func() { ln.Close() })
	defer stop()
	for {
		conn, err := ln.Accept()
		if err != nil {
			if !errors.Is(err, net.ErrClosed) && ctx.Err() == nil {
				time.Sleep(100 * time.Millisecond) // e.g. out of file descriptors: do not spin
				continue
			}
			break
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			serveConn(ctx, conn, core, sip, onQuit)
		}()
	}
	wg.Wait()
}

func serveConn(ctx context.Context, conn net.Conn, core Core, sip bool, onQuit func()) {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	closeConn := context.AfterFunc(ctx, func() { conn.Close() })
	defer closeConn()
	defer conn.Close()
	h := New(core, conn)
	h.SIP = sip
	sub := h.Subscribe()
	pumped := make(chan struct{})
	go func() { h.Pump(sub); close(pumped) }()
	if h.ReadCommands(ctx, conn) && onQuit != nil {
		onQuit()
	}
	sub.Close()
	<-pumped
}
