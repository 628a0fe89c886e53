//go:build !linux

package main

import "io"

// protocolStdout is only guarded on Linux; elsewhere stdout is used as it is.
func protocolStdout(stdout io.Writer) io.Writer { return stdout }
