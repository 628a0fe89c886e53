package phone

import (
	"reflect"
	"testing"
)

func TestParseSipfrag(t *testing.T) {
	tests := []struct {
		name, body string
		code       int
		reason     string
		bad        bool
	}{
		{"trying", "SIP/2.0 100 Trying\r\n", 100, "Trying", false},
		{"ok with headers", "SIP/2.0 200 OK\r\nContact: <sip:x@y>\r\n\r\n", 200, "OK", false},
		{"busy no crlf", "SIP/2.0 486 Busy Here", 486, "Busy Here", false},
		{"leading space", "  SIP/2.0 603 Declined\n", 603, "Declined", false},
		{"no reason", "SIP/2.0 180", 180, "", false},
		{"empty", "", 0, "", true},
		{"request line", "INVITE sip:a@b SIP/2.0\r\n", 0, "", true},
		{"bad code", "SIP/2.0 abc OK", 0, "", true},
		{"code out of range", "SIP/2.0 99 Nope", 0, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			code, reason, err := parseSipfrag([]byte(tt.body))
			if (err != nil) != tt.bad {
				t.Fatalf("err = %v, want error %v", err, tt.bad)
			}
			if code != tt.code || reason != tt.reason {
				t.Errorf("got %d %q, want %d %q", code, reason, tt.code, tt.reason)
			}
		})
	}
}

func TestReferTo(t *testing.T) {
	rep := &Replaces{CallID: "abc@host", ToTag: "t1", FromTag: "f-2"}
	tests := []struct {
		name   string
		in     ReferTo
		header string
	}{
		{"blind", ReferTo{URI: "sip:bob@example.org"}, "<sip:bob@example.org>"},
		{"attended", ReferTo{URI: "sip:bob@127.0.0.1:5062", Replaces: rep},
			"<sip:bob@127.0.0.1:5062?Replaces=abc%40host%3Bto-tag%3Dt1%3Bfrom-tag%3Df-2>"},
		{"with uri params", ReferTo{URI: "sip:bob@h;transport=tcp", Replaces: &Replaces{CallID: "x", ToTag: "a", FromTag: "b"}},
			"<sip:bob@h;transport=tcp?Replaces=x%3Bto-tag%3Da%3Bfrom-tag%3Db>"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.in.String(); got != tt.header {
				t.Errorf("String() = %q, want %q", got, tt.header)
			}
			back, err := parseReferTo(tt.header)
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(back, tt.in) {
				t.Errorf("parse(String()) = %+v, want %+v", back, tt.in)
			}
		})
	}
}

func TestParseReferToForms(t *testing.T) {
	tests := []struct {
		name, in string
		uri      string
		replaces *Replaces
		bad      bool
	}{
		{"bare", "sip:carol@h", "sip:carol@h", nil, false},
		{"bare with header params", "sip:carol@h;method=INVITE", "sip:carol@h", nil, false},
		{"display name", `"Carol" <sip:carol@h>;x=y`, "sip:carol@h", nil, false},
		{"lower-case replaces", "<sip:c@h?replaces=id%3Bfrom-tag%3Df%3Bto-tag%3Dt>", "sip:c@h", &Replaces{CallID: "id", ToTag: "t", FromTag: "f"}, false},
		{"other header kept out", "<sip:c@h?Subject=hi&Replaces=id%3Bto-tag%3Dt%3Bfrom-tag%3Df%3Bearly-only>", "sip:c@h",
			&Replaces{CallID: "id", ToTag: "t", FromTag: "f", EarlyOnly: true}, false},
		{"replaces without tags", "<sip:c@h?Replaces=id>", "", nil, true},
		{"unclosed", "<sip:c@h", "", nil, true},
		{"empty", "<>", "", nil, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := parseReferTo(tt.in)
			if (err != nil) != tt.bad {
				t.Fatalf("err = %v, want error %v", err, tt.bad)
			}
			if tt.bad {
				return
			}
			if got.URI != tt.uri || !reflect.DeepEqual(got.Replaces, tt.replaces) {
				t.Errorf("got %+v (%+v), want %s %+v", got, got.Replaces, tt.uri, tt.replaces)
			}
		})
	}
}
