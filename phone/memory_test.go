package phone

import (
	"log/slog"
	"testing"

	"github.com/emiago/sipgo/sip"
)

// TestSIPGlobalsLinger: finished UDP server transactions are kept txLinger, not sipgo's 32 s,
// and long enough for the dialog's 2xx retransmissions (at T1, then every T2).
func TestSIPGlobalsLinger(t *testing.T) {
	setSIPGlobals(slog.Default())
	tests := []struct {
		name      string
		got, want any
	}{
		{"Timer L (answered INVITE)", sip.Timer_L, txLinger},
		{"Timer J (non-INVITE)", sip.Timer_J, txLinger},
		{"Timer H (ACK of a refusal)", sip.Timer_H, txLinger},
		{"freeing memory waits out the linger", freeMemAfter > txLinger, true},
		{"the 2xx is sent three times before Timer L (0, T1, T1+T2)", txLinger > sip.T1+sip.T2, true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}
