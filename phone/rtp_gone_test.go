package phone

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

func TestByeFailure(t *testing.T) {
	for _, tc := range []struct {
		err  error
		want string
	}{
		{fmt.Errorf("BYE to 127.0.0.1:5060: %w", context.DeadlineExceeded), "no answer in 4s"},
		{errors.New("BYE to 127.0.0.1:5060: connection refused"), "BYE to 127.0.0.1:5060: connection refused"},
	} {
		if got := byeFailure(tc.err, 4*time.Second); got != tc.want {
			t.Errorf("byeFailure(%v) = %q, want %q", tc.err, got, tc.want)
		}
	}
}
