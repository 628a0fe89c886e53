package headless

import (
	"testing"

	"github.com/sipterm/sipterm/phone"
)

func TestFinalStatsOnTerminated(t *testing.T) {
	media := phone.MediaStats{PacketsSent: 150, PacketsReceived: 140, PacketsLost: 10, ConcealedFrames: 11}
	tests := []struct {
		name      string
		call      phone.CallInfo
		wantStats bool
	}{
		{"terminated with media", phone.CallInfo{ID: "c1", State: phone.StateTerminated, Stats: media}, true},
		{"terminated without media", phone.CallInfo{ID: "c1", State: phone.StateTerminated}, false},
		{"active call", phone.CallInfo{ID: "c1", State: phone.StateEstablished, Stats: media}, false},
	}
	for _, tt := range tests {
		got := eventJSON(phone.EventCall{Call: tt.call})
		st, ok := got["stats"].(map[string]any)
		if ok != tt.wantStats {
			t.Errorf("%s: stats present = %v, want %v (%v)", tt.name, ok, tt.wantStats, got)
			continue
		}
		if !ok {
			continue
		}
		if st["concealed"] != uint64(11) || st["received"] != uint64(140) || st["lost"] != int64(10) {
			t.Errorf("%s: stats = %v", tt.name, st)
		}
		if _, has := st["event"]; has {
			t.Errorf("%s: nested stats carry an event name: %v", tt.name, st)
		}
	}
}
