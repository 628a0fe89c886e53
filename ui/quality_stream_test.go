package ui

import (
	"cmp"
	"strings"
	"testing"
	"time"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

// TestQStream: codec/ptime and SSRC changes become lines (the last few), talkspurts are counted
// with the times of the last few.
func TestQStream(t *testing.T) {
	t0 := time.Date(2026, 1, 2, 12, 0, 0, 0, time.UTC)
	at := func(s int) time.Time { return t0.Add(time.Duration(s) * time.Second) }
	type step struct {
		media  *phone.EventMedia
		stream *phone.EventStream
	}
	tests := []struct {
		name  string
		steps []step
		want  []string
		w     int // the pane's width (0: 100)
	}{
		{"nothing yet", nil, []string{"stream  -   peer SSRC -  talkspurts 0"}, 0},
		{"a call", []step{
			{media: &phone.EventMedia{Codec: "PCMU", Ptime: 20}},
			{stream: &phone.EventStream{What: "ssrc", SSRC: 0x5eed, At: at(1)}},
			{stream: &phone.EventStream{What: "talkspurt", SSRC: 0x5eed, Talkspurts: 1, At: at(2)}},
			{stream: &phone.EventStream{What: "talkspurt", SSRC: 0x5eed, Talkspurts: 3, At: at(5)}},
		}, []string{
			"stream  PCMU 20 ms  peer SSRC 00005eed  talkspurts 3 (last 12:00:02 12:00:05)",
			"  12:00:00 codec PCMU 20 ms",
			"  12:00:01 peer stream starts, SSRC 00005eed",
		}, 0},
		{"a re-INVITE changes codec and ptime, the same media again is no line", []step{
			{media: &phone.EventMedia{Codec: "PCMU", Ptime: 20}},
			{media: &phone.EventMedia{Codec: "PCMU", Ptime: 20}},
			{media: &phone.EventMedia{Codec: "PCMA", Ptime: 30}},
		}, []string{
			"stream  PCMA 30 ms  peer SSRC -  talkspurts 0",
			"  12:00:00 codec PCMU 20 ms",
			"  12:00:00 codec PCMU 20 ms → PCMA 30 ms",
		}, 0},
		{"talkspurt times that do not fit give way, oldest first", []step{
			{stream: &phone.EventStream{What: "ssrc", SSRC: 1, At: at(0)}},
			{stream: &phone.EventStream{What: "talkspurt", SSRC: 1, Talkspurts: 1, At: at(1)}},
			{stream: &phone.EventStream{What: "talkspurt", SSRC: 1, Talkspurts: 2, At: at(2)}},
			{stream: &phone.EventStream{What: "talkspurt", SSRC: 1, Talkspurts: 3, At: at(3)}},
			{stream: &phone.EventStream{What: "talkspurt", SSRC: 1, Talkspurts: 4, At: at(4)}},
			{stream: &phone.EventStream{What: "talkspurt", SSRC: 1, Talkspurts: 5, At: at(5)}},
			{stream: &phone.EventStream{What: "talkspurt", SSRC: 1, Talkspurts: 6, At: at(6)}},
		}, []string{
			"stream  -   peer SSRC 00000001  talkspurts 6 (last 12:00:04 12:00:05 12:00:06)",
			"  12:00:00 peer stream starts, SSRC 00000001",
		}, 80},
		{"SSRC changes, only the last four lines kept", []step{
			{stream: &phone.EventStream{What: "ssrc", SSRC: 1, At: at(1)}},
			{stream: &phone.EventStream{What: "ssrc", SSRC: 2, At: at(2)}},
			{stream: &phone.EventStream{What: "ssrc", SSRC: 3, At: at(3)}},
			{stream: &phone.EventStream{What: "ssrc", SSRC: 4, At: at(4)}},
			{stream: &phone.EventStream{What: "ssrc", SSRC: 5, At: at(5)}},
		}, []string{
			"stream  -   peer SSRC 00000005  talkspurts 0",
			"  12:00:02 peer SSRC 00000001 → 00000002",
			"  12:00:03 peer SSRC 00000002 → 00000003",
			"  12:00:04 peer SSRC 00000003 → 00000004",
			"  12:00:05 peer SSRC 00000004 → 00000005",
		}, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var s qStream
			for _, st := range tt.steps {
				if st.media != nil {
					s.media(t0, st.media.Codec, st.media.Ptime)
				}
				if st.stream != nil {
					s.stream(t0, *st.stream)
				}
			}
			if got := s.lines(time.UTC, cmp.Or(tt.w, 100)); strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
				t.Fatalf("lines:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
			}
		})
	}
}

// TestQualityPaneStream: the pane shows the stream line and the changes as the events come.
func TestQualityPaneStream(t *testing.T) {
	h := start(t, 100, 30, Options{}, nil)
	h.core.publish(phone.EventCall{Call: established("c1", "sip:bob@example.org")},
		phone.EventMedia{ID: "c1", Codec: "PCMU", Ptime: 20},
		phone.EventStream{ID: "c1", What: "ssrc", SSRC: 0xabc, At: fixedNow},
		phone.EventStream{ID: "c1", What: "talkspurt", SSRC: 0xabc, Talkspurts: 2, At: fixedNow.Add(time.Second)})
	h.waitText("sip:bob@example.org")
	h.key(tcell.KeyRune, 'i')
	h.waitFor("the stream line", func(s string) bool {
		return strings.Contains(s, "stream  PCMU 20 ms  peer SSRC 00000abc  talkspurts 2 (last 12:00:31)") &&
			strings.Contains(s, "12:00:30 codec PCMU 20 ms") && strings.Contains(s, "12:00:30 peer stream starts, SSRC 00000abc")
	})
	h.core.publish(phone.EventMedia{ID: "c1", Codec: "PCMA", Ptime: 30},
		phone.EventStream{ID: "c1", What: "ssrc", SSRC: 0xdef, Talkspurts: 2, At: fixedNow.Add(2 * time.Second)})
	h.waitFor("the changes", func(s string) bool {
		return strings.Contains(s, "codec PCMU 20 ms → PCMA 30 ms") && strings.Contains(s, "12:00:32 peer SSRC 00000abc → 00000def")
	})
}
