package headless

import (
	"testing"

	"github.com/sipterm/sipterm/phone"
)

func TestEncryptionInEvents(t *testing.T) {
	tests := []struct {
		name string
		ev   phone.Event
		want map[string]any
		not  []string
	}{
		{"srtp media", phone.EventMedia{ID: "c1", Codec: "PCMU", Encryption: "srtp", SRTPSuite: "AES_CM_128_HMAC_SHA1_32"},
			map[string]any{"event": "media", "encryption": "srtp", "srtp_suite": "AES_CM_128_HMAC_SHA1_32"}, nil},
		{"plain media", phone.EventMedia{ID: "c1", Codec: "PCMU", Encryption: "none"},
			map[string]any{"event": "media", "encryption": "none"}, []string{"srtp_suite"}},
		{"auth failures in stats", phone.EventStats{ID: "c1", Stats: phone.MediaStats{AuthFailures: 7}},
			map[string]any{"event": "stats", "srtp_auth_failures": uint64(7)}, nil},
		{"concealment in stats", phone.EventStats{ID: "c1", Stats: phone.MediaStats{ConcealedFrames: 12, LateDropped: 3}},
			map[string]any{"event": "stats", "concealed": uint64(12), "late": uint64(3)}, nil},
		{"call encryption", phone.EventCall{Call: phone.CallInfo{ID: "c1", Encryption: "srtp"}},
			map[string]any{"event": "call", "encryption": "srtp"}, nil},
	}
	for _, tt := range tests {
		got := eventJSON(tt.ev)
		for k, v := range tt.want {
			if got[k] != v {
				t.Errorf("%s: %s = %v, want %v (%v)", tt.name, k, got[k], v, got)
			}
		}
		for _, k := range tt.not {
			if _, ok := got[k]; ok {
				t.Errorf("%s: has %s: %v", tt.name, k, got)
			}
		}
	}
}
