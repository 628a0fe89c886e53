package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/sipterm/sipterm/phone"
	"github.com/sipterm/sipterm/ui/headless"
)

// controlNone, as --control, runs no control socket.
const controlNone = "none"

// startControl opens the control socket and serves it until ctx ends; quit on it calls onQuit.
// A socket at the default path that another sipterm holds is a notice (this one runs without);
// a path given by flag must work.
func startControl(ctx context.Context, ph *phone.Phone, path string, sip bool, onQuit func()) (done <-chan struct{}, notice string, err error) {
	explicit := path != ""
	if path == controlNone {
		return nil, "", nil
	}
	if !explicit {
		path = headless.ControlPath()
	}
	ln, err := headless.ListenControl(path)
	if err != nil {
		if explicit {
			return nil, "", err
		}
		return nil, err.Error() + "; running without a control socket", nil
	}
	slog.Info("control socket", "path", path)
	ch := make(chan struct{})
	go func() {
		headless.ServeControl(ctx, ln, ph, sip, onQuit)
		close(ch)
	}()
	return ch, "", nil
}

// runCtl is `sipterm ctl [--socket PATH] [--timeout DUR] COMMAND...`: it sends one command to a
// running sipterm and prints that command's replies (JSON lines) up to its ok or error. Exit
// status: 0 ok, 1 the command failed, 2 no phone or a bad invocation.
func runCtl(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("sipterm ctl", flag.ContinueOnError)
	fs.SetOutput(stderr)
	socket := fs.String("socket", "", "the control socket `PATH` (default $XDG_RUNTIME_DIR/sipterm/ctl)")
	timeout := fs.Duration("timeout", 30*time.Second, "give up after `DUR` without the reply")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "usage: sipterm ctl [--socket PATH] COMMAND [ARGS...]   (sipterm ctl help lists them)")
		return 2
	}
	path := *socket
	if path == "" {
		path = headless.ControlPath()
	}
	conn, err := net.DialTimeout("unix", path, 5*time.Second)
	if err != nil {
		fmt.Fprintf(stderr, "sipterm ctl: no sipterm at %s: %v\n", path, err)
		return 2
	}
	defer conn.Close()
	_ = conn.SetDeadline(time.Now().Add(*timeout))
	req := "ctl" + strconv.Itoa(os.Getpid())
	if _, err := fmt.Fprintf(conn, "@%s %s\n", req, strings.Join(fs.Args(), " ")); err != nil {
		fmt.Fprintln(stderr, "sipterm ctl: sending the command:", err)
		return 2
	}
	sc := bufio.NewScanner(conn)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		var obj struct {
			Event string `json:"event"`
			Req   string `json:"req"`
		}
		if json.Unmarshal(sc.Bytes(), &obj) != nil || obj.Req != req {
			continue // an event of the phone, not a reply to us
		}
		fmt.Fprintln(stdout, sc.Text())
		switch obj.Event {
		case "ok":
			return 0
		case "error":
			return 1
		}
	}
	err = sc.Err()
	if err == nil {
		err = errors.New("the phone closed the connection")
	}
	fmt.Fprintln(stderr, "sipterm ctl: waiting for the reply:", err)
	return 2
}
