package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
)

// TestProtocolStdout runs itself as a child whose stdout is a pipe: after protocolStdout, a
// stray fmt.Println (what a library might do) must land on stderr and only the protocol's
// line on stdout.
func TestProtocolStdout(t *testing.T) {
	if os.Getenv("SIPTERM_STDOUT_CHILD") == "1" {
		out := protocolStdout(os.Stdout)
		fmt.Println("stray library line")
		fmt.Fprintln(out, `{"event":"ready"}`)
		os.Exit(0)
	}
	cmd := exec.Command(os.Args[0], "-test.run=^TestProtocolStdout$")
	cmd.Env = append(os.Environ(), "SIPTERM_STDOUT_CHILD=1")
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("child: %v\nstderr: %s", err, stderr.String())
	}
	if got := stdout.String(); got != "{\"event\":\"ready\"}\n" {
		t.Errorf("stdout = %q, want only the protocol line", got)
	}
	if !strings.Contains(stderr.String(), "stray library line") {
		t.Errorf("the stray line did not reach stderr: %q", stderr.String())
	}
	var buf bytes.Buffer // not the process's fd 1: left alone
	if w := protocolStdout(&buf); w != &buf {
		t.Errorf("protocolStdout replaced a writer that is not fd 1")
	}
}
