//go:build !linux

package audio

// raiseThreadPriority does nothing where threads have no priority of their own to set.
func raiseThreadPriority() {}
