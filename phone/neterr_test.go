package phone

import (
	"context"
	"errors"
	"fmt"
	"os"
	"syscall"
	"testing"
)

func TestSendErrorSaysNetCause(t *testing.T) {
	refused := fmt.Errorf("client transcation failed to request connection: %w",
		fmt.Errorf("Transport<TCP> dial err=%w", &os.SyscallError{Syscall: "connect", Err: syscall.ECONNREFUSED}))
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"refused", refused, "REGISTER to 127.0.0.1:5060: connection refused (nothing listens there)"},
		{"reset", fmt.Errorf("read: %w", syscall.ECONNRESET), "BYE to 127.0.0.1:5060: connection reset"},
		{"timeout", fmt.Errorf("transaction: %w", context.DeadlineExceeded), "REGISTER to 127.0.0.1:5060: no answer (timed out)"},
		{"other", errors.New("transaction timed out"), "REGISTER to 127.0.0.1:5060: transaction timed out"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			what := "REGISTER"
			if tc.name == "reset" {
				what = "BYE"
			}
			got := sendError(what, "127.0.0.1:5060", tc.err)
			if got.Error() != tc.want {
				t.Errorf("sendError = %q, want %q", got, tc.want)
			}
			if !errors.Is(got, tc.err) {
				t.Errorf("sendError lost the error underneath")
			}
		})
	}
}
