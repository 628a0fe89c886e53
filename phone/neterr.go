package phone

import (
	"context"
	"errors"
	"syscall"
)

// netCause names, in a person's words, the network failure under a transport error
// ("connection refused" rather than sipgo's "client transcation failed to request
// connection: Transport<TCP> dial err=dial tcp <nil>->HOST: connect: connection refused");
// empty when it is none of these.
func netCause(err error) string {
	if errors.Is(err, context.DeadlineExceeded) { // UDP to a registrar that is gone: no ICMP reaches us
		return "no answer (timed out)"
	}
	for _, c := range []struct {
		errno syscall.Errno
		say   string
	}{
		{syscall.ECONNREFUSED, "connection refused (nothing listens there)"},
		{syscall.ECONNRESET, "connection reset"},
		{syscall.EHOSTUNREACH, "host unreachable"},
		{syscall.ENETUNREACH, "network unreachable"},
		{syscall.ETIMEDOUT, "connection timed out"},
	} {
		if errors.Is(err, c.errno) {
			return c.say
		}
	}
	return ""
}

// netError is a network failure said in words, keeping the transport's error underneath.
type netError struct {
	msg string
	err error
}

func (e *netError) Error() string { return e.msg }
func (e *netError) Unwrap() error { return e.err }
