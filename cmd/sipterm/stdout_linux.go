package main

import (
	"io"
	"os"
	"syscall"
)

// protocolStdout keeps the headless protocol's stdout for the protocol alone. Libraries linked
// into the phone may print to file descriptor 1 (the PulseAudio client prints a server message
// it does not know with fmt.Println; a C library may write there too), and one stray line breaks
// every client that reads JSON lines. When stdout is the process's own fd 1, the protocol gets a
// duplicate of it and fd 1 is pointed at stderr, where a stray line is only noise in the log.
// Anything else (a test's buffer) is returned as it is.
func protocolStdout(stdout io.Writer) io.Writer {
	if f, ok := stdout.(*os.File); !ok || f.Fd() != 1 {
		return stdout
	}
	dup, err := syscall.Dup(1)
	if err != nil {
		return stdout
	}
	syscall.CloseOnExec(dup)
	if err := syscall.Dup3(2, 1, 0); err != nil {
		syscall.Close(dup)
		return stdout
	}
	return os.NewFile(uintptr(dup), "/dev/stdout (protocol)")
}
