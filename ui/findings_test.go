package ui

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFindingLines(t *testing.T) {
	long := "one-way audio: we have sent RTP to 127.0.0.1:16312 for 2 s and nothing has arrived; check the NAT or firewall in front of us and the peer's SDP address"
	tests := []struct {
		name    string
		text    string
		w       int
		compact bool
		want    []string
	}{
		{"fits on one line", "ptime 30 ms", 40, false, []string{"⚠ ptime 30 ms"}},
		{"wraps under a hanging indent", "the peer sends 22 ms packets, the SDP said 20 ms", 24,
			false, []string{"⚠ the peer sends 22 ms", "  packets, the SDP said", "  20 ms"}},
		{"cut after three lines", long, 40, false, []string{
			"⚠ one-way audio: we have sent RTP to",
			"  127.0.0.1:16312 for 2 s and nothing",
			"  has arrived; check the NAT or firewal…"}},
		{"compact pane: one line", long, 40, true, []string{"⚠ one-way audio: we have sent RTP to…"}},
		{"tview tags escaped", "codec [red] changed", 40, false, []string{"⚠ codec [red[] changed"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := findingLines(tt.text, tt.w, tt.compact)
			if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("findingLines(%q, %d, %v) =\n%s\nwant\n%s", tt.text, tt.w, tt.compact,
					strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
			for _, l := range got {
				if n := utf8.RuneCountInString(strings.ReplaceAll(l, "[[]", "[")); n > tt.w {
					t.Errorf("line %q is %d runes, wider than the pane's %d", l, n, tt.w)
				}
			}
		})
	}
}
