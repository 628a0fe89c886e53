package headless

import (
	"bytes"
	"encoding/json"
	"testing"
)

// debugCore answers only what the debug command asks; the rest of Core is never called.
type debugCore struct{ Core }

func (debugCore) Debug() (calls, goroutines int) { return 2, 40 }

// screeningCore also has the phone's refusal counters.
type screeningCore struct{ debugCore }

func (screeningCore) Refused() map[string]uint64 {
	return map[string]uint64{"not_ours": 7, "not_allowed_source": 1, "rate_limited": 0, "busy": 3}
}

func TestDebugReplyCarriesRefusals(t *testing.T) {
	tests := []struct {
		name    string
		core    Core
		refused map[string]float64 // nil: no refused key
	}{
		{"core without counters", debugCore{}, nil},
		{"phone with counters", screeningCore{}, map[string]float64{"not_ours": 7, "not_allowed_source": 1, "rate_limited": 0, "busy": 3}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var out bytes.Buffer
			New(tt.core, &out).Execute("debug")
			var got map[string]any
			if err := json.Unmarshal(out.Bytes(), &got); err != nil {
				t.Fatalf("debug reply %q: %v", out.String(), err)
			}
			if got["event"] != "debug" || got["calls"] != float64(2) {
				t.Errorf("debug reply %v", got)
			}
			r, has := got["refused"].(map[string]any)
			if (tt.refused == nil) == has {
				t.Fatalf("refused key present=%v, want %v: %v", has, tt.refused != nil, got)
			}
			for k, v := range tt.refused {
				if r[k] != v {
					t.Errorf("refused[%s] = %v, want %v", k, r[k], v)
				}
			}
		})
	}
}
