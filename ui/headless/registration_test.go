package headless

import (
	"encoding/json"
	"testing"

	"github.com/sipterm/sipterm/phone"
	"github.com/sipterm/sipterm/ui/command"
)

func TestRegistrationEventFields(t *testing.T) {
	tests := []struct {
		name string
		in   phone.AccountInfo
		want map[string]any // keys that must be there with these values; nil value = must be absent
	}{
		{"tls verified", phone.AccountInfo{Name: "alice", State: phone.RegRegistered, Code: 200, Transport: "tls",
			Contact: "sip:alice@192.0.2.1:5060;transport=tls"},
			map[string]any{"transport": "tls", "contact": "sip:alice@192.0.2.1:5060;transport=tls", "tls_insecure": nil}},
		{"tls insecure", phone.AccountInfo{Name: "bob", State: phone.RegRegistered, Transport: "tls", TLSInsecure: true},
			map[string]any{"transport": "tls", "tls_insecure": true}},
		{"tls failure", phone.AccountInfo{Name: "carol", State: phone.RegFailed, Transport: "tls",
			LastError: "REGISTER to pbx:5061 failed: TLS: the certificate of pbx:5061 is signed by an unknown authority"},
			map[string]any{"state": "failed", "last_error": "REGISTER to pbx:5061 failed: TLS: the certificate of pbx:5061 is signed by an unknown authority"}},
		{"direct udp", phone.AccountInfo{Name: "local", State: phone.RegNone, Transport: "udp"},
			map[string]any{"transport": "udp", "contact": nil}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(command.RegistrationJSON(tt.in))
			if err != nil {
				t.Fatal(err)
			}
			var got map[string]any
			if err := json.Unmarshal(b, &got); err != nil {
				t.Fatal(err)
			}
			for k, v := range tt.want {
				g, ok := got[k]
				if v == nil {
					if ok {
						t.Errorf("%s = %v, want it absent (%s)", k, g, b)
					}
					continue
				}
				if !ok || g != v {
					t.Errorf("%s = %v, want %v (%s)", k, g, v, b)
				}
			}
		})
	}
}
