package headless

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"
)

// dialCore places every call as c7.
type dialCore struct{ debugCore }

func (dialCore) Dial(account, target string) (string, error) { return "c7", nil }

func TestTaggedReplies(t *testing.T) {
	tests := []struct {
		line  string
		want  []string // the events, in order
		req   string
		quits bool
	}{
		{line: "@r1 dial sip:bob@x", want: []string{"dialing", "ok"}, req: "r1"},
		{line: "dial sip:bob@x", want: []string{"dialing"}},
		{line: "@r2 answer c1", want: []string{"error"}, req: "r2"}, // the double cannot answer
		{line: "@r3 frobnicate", want: []string{"error"}, req: "r3"},
		{line: "@r4", want: []string{"ok"}, req: "r4"},
		{line: "@r5 quit", want: []string{"ok"}, req: "r5", quits: true},
	}
	for _, tt := range tests {
		t.Run(tt.line, func(t *testing.T) {
			var out bytes.Buffer
			if quit := New(dialCore{}, &out).Execute(tt.line); quit != tt.quits {
				t.Errorf("quit = %v", quit)
			}
			lines := strings.Split(strings.TrimSpace(out.String()), "\n")
			if len(lines) != len(tt.want) {
				t.Fatalf("replies %q, want events %v", lines, tt.want)
			}
			for i, l := range lines {
				var got map[string]any
				if err := json.Unmarshal([]byte(l), &got); err != nil {
					t.Fatal(err)
				}
				if got["event"] != tt.want[i] {
					t.Errorf("reply %d: %v, want event %s", i, got, tt.want[i])
				}
				if r, _ := got["req"].(string); r != tt.req {
					t.Errorf("reply %d: req %q, want %q", i, r, tt.req)
				}
				ts, _ := got["ts"].(string)
				if _, err := time.Parse(time.RFC3339Nano, ts); err != nil || !strings.HasSuffix(ts, "Z") || len(ts) != len("2006-01-02T15:04:05.000Z") {
					t.Errorf("reply %d: ts %q is not RFC 3339 ms UTC", i, ts)
				}
			}
		})
	}
}
