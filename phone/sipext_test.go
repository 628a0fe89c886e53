package phone

import (
	"reflect"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestParseRSeq(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want uint32
		ok   bool
	}{
		{"1", 1, true},
		{" 988789 ", 988789, true},
		{"2147483647", 2147483647, true},
		{"2147483648", 0, false}, // beyond 2**31-1
		{"0", 0, false},
		{"-3", 0, false},
		{"x", 0, false},
		{"", 0, false},
	} {
		got, err := parseRSeq(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseRSeq(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestParseRAck(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want rack
		ok   bool
	}{
		{"776656 1 INVITE", rack{776656, 1, sip.INVITE}, true},
		{"  5  314159   invite ", rack{5, 314159, sip.INVITE}, true},
		{"1 2", rack{}, false},
		{"0 1 INVITE", rack{}, false},
		{"1 x INVITE", rack{}, false},
		{"1 2 INVITE extra", rack{}, false},
	} {
		got, err := parseRAck(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseRAck(%q) = %+v, %v; want %+v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	if s := (rack{RSeq: 7, CSeq: 3, Method: sip.INVITE}).String(); s != "7 3 INVITE" {
		t.Errorf("RAck value %q, want \"7 3 INVITE\"", s)
	}
}

func TestParseSessionExpires(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want sessionExpires
		ok   bool
	}{
		{"1800", sessionExpires{1800, ""}, true},
		{"90;refresher=uac", sessionExpires{90, "uac"}, true},
		{"4000 ; Refresher = UAS ;foo=bar", sessionExpires{4000, "uas"}, true},
		{"120;refresher=proxy", sessionExpires{}, false},
		{"0", sessionExpires{}, false},
		{"soon", sessionExpires{}, false},
		{"", sessionExpires{}, false},
	} {
		got, err := parseSessionExpires(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseSessionExpires(%q) = %+v, %v; want %+v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
	for _, tc := range []struct {
		se   sessionExpires
		want string
	}{
		{sessionExpires{1800, ""}, "1800"},
		{sessionExpires{90, "uas"}, "90;refresher=uas"},
	} {
		if got := tc.se.String(); got != tc.want {
			t.Errorf("%+v: %q, want %q", tc.se, got, tc.want)
		}
	}
}

func TestParseMinSE(t *testing.T) {
	for _, tc := range []struct {
		in   string
		want int
		ok   bool
	}{
		{"90", 90, true},
		{" 600;lr", 600, true},
		{"0", 0, false},
		{"x", 0, false},
	} {
		got, err := parseMinSE(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("parseMinSE(%q) = %d, %v; want %d, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
	}
}

func TestRequireAndSupported(t *testing.T) {
	for _, tc := range []struct {
		name        string
		headers     map[string][]string
		unsupported []string
		has100rel   bool
	}{
		{"none", nil, nil, false},
		{"100rel required", map[string][]string{"Require": {"100rel"}}, nil, true},
		{"supported only", map[string][]string{"Supported": {"timer, 100rel"}}, nil, true},
		{"unknown option", map[string][]string{"Require": {"foo, 100rel"}}, []string{"foo"}, true},
		{"two headers, case", map[string][]string{"Require": {"Timer", "FOO", "bar"}}, []string{"foo", "bar"}, false},
		{"replaces required (RFC 3891 §6.1)", map[string][]string{"Require": {"replaces"}}, nil, false},
	} {
		req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "a", Host: "127.0.0.1"})
		for name, vals := range tc.headers {
			for _, v := range vals {
				req.AppendHeader(sip.NewHeader(name, v))
			}
		}
		if got := unsupportedRequire(req); !reflect.DeepEqual(got, tc.unsupported) {
			t.Errorf("%s: unsupported %v, want %v", tc.name, got, tc.unsupported)
		}
		if got := hasOption(req, "", tag100rel); got != tc.has100rel {
			t.Errorf("%s: 100rel %v, want %v", tc.name, got, tc.has100rel)
		}
	}
}

func TestAllows(t *testing.T) {
	for _, tc := range []struct {
		allow string
		want  bool
	}{
		{"INVITE, ACK, BYE, UPDATE", true},
		{"INVITE,ACK,update", true},
		{"INVITE, ACK, BYE", false},
		{"", false},
	} {
		req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", Host: "127.0.0.1"})
		if tc.allow != "" {
			req.AppendHeader(sip.NewHeader("Allow", tc.allow))
		}
		if got := allows(req, sip.UPDATE); got != tc.want {
			t.Errorf("Allow %q: UPDATE %v, want %v", tc.allow, got, tc.want)
		}
	}
}
