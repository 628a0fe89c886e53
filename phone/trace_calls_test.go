package phone

import "testing"

// TestTraceCallsResolve: a message traced before its call exists is held and published again
// with the call's id by the first message that resolves; after the call ended its Call-ID still
// resolves.
func TestTraceCallsResolve(t *testing.T) {
	type step struct {
		sipID, live, summary string
		wantID               string
		wantHeld             []string
	}
	tests := []struct {
		name  string
		steps []step
	}{
		{"incoming INVITE before the call", []step{
			{"a@h", "", "INVITE", "", nil},
			{"a@h", "c1", "SIP/2.0 100 Trying", "c1", []string{"INVITE"}},
			{"a@h", "c1", "SIP/2.0 180 Ringing", "c1", nil},
		}},
		{"200 to BYE after the call ended", []step{
			{"b@h", "c2", "BYE", "c2", nil},
			{"b@h", "", "SIP/2.0 200 OK", "c2", nil},
		}},
		{"no Call-ID", []step{{"", "", "garbage", "", nil}}},
		{"unknown stays unknown", []step{
			{"x@h", "", "OPTIONS", "", nil},
			{"y@h", "c3", "INVITE", "c3", nil},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tc := newTraceCalls()
			for i, s := range tt.steps {
				id, held := tc.resolve(s.sipID, s.live, EventSIP{Summary: s.summary})
				if id != s.wantID {
					t.Fatalf("step %d: id %q, want %q", i, id, s.wantID)
				}
				if len(held) != len(s.wantHeld) {
					t.Fatalf("step %d: held %v, want %v", i, held, s.wantHeld)
				}
				for j, h := range held {
					if h.Summary != s.wantHeld[j] || h.CallID != s.wantID || !h.Late {
						t.Fatalf("step %d: held %+v, want %q late with id %q", i, h, s.wantHeld[j], s.wantID)
					}
				}
			}
		})
	}
}

// TestTraceCallsBounded: scanners' unanswered Call-IDs cannot grow the held messages without end.
func TestTraceCallsBounded(t *testing.T) {
	tc := newTraceCalls()
	for i := 0; i < 10*tracePendingMax; i++ {
		for j := 0; j < 2*tracePendingPer; j++ {
			tc.resolve(string(rune('a'+i%26))+string(rune(i)), "", EventSIP{})
		}
	}
	if len(tc.pending) > tracePendingMax || len(tc.pendOrd) > tracePendingMax {
		t.Fatalf("%d Call-IDs held, bound %d", len(tc.pending), tracePendingMax)
	}
	for id, l := range tc.pending {
		if len(l) > tracePendingPer {
			t.Fatalf("%s: %d messages held, bound %d", id, len(l), tracePendingPer)
		}
	}
}

// headerValue reads a header by its long or compact name, stops at the end of the headers, and
// never matches the start line or the body.
func TestHeaderValue(t *testing.T) {
	msg := "INVITE sip:bob@x SIP/2.0\r\nVia: SIP/2.0/UDP a\r\ni:  abc@host \r\nCSeq: 1 INVITE\r\n\r\nCall-ID: body\r\n"
	tests := []struct{ msg, long, short, want string }{
		{msg, "Call-ID", "i", "abc@host"},
		{msg, "via", "v", "SIP/2.0/UDP a"},
		{msg, "Contact", "m", ""},
		{"SIP/2.0 200 OK\nCall-ID: lf-only\n\n", "Call-ID", "i", "lf-only"},
		{"", "Call-ID", "i", ""},
		{"INVITE sip:a SIP/2.0\r\nTo: <sip:a>", "To", "t", "<sip:a>"}, // no blank line at all
	}
	for _, tt := range tests {
		if got := headerValue(tt.msg, tt.long, tt.short); got != tt.want {
			t.Errorf("headerValue(%q, %s) = %q, want %q", tt.msg, tt.long, got, tt.want)
		}
	}
}
