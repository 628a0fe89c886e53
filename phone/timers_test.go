package phone

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/emiago/sipgo/sip"
)

func TestNoResponseReasonIsOneLine(t *testing.T) {
	tests := []struct {
		err  error
		want string
	}{
		{errors.Join(errors.New("transaction terminated"), fmt.Errorf("Timer_B timed out. %w", sip.ErrTransactionTimeout)), "no response (timeout)"},
		{errors.Join(errors.New("transaction terminated"), errors.New("connection\nrefused")), "no response: transaction terminated connection refused"},
	}
	for _, tt := range tests {
		if got := noResponseReason(tt.err); got != tt.want || strings.Contains(got, "\n") {
			t.Errorf("noResponseReason(%q) = %q, want %q", tt.err, got, tt.want)
		}
	}
}

func TestInfoDTMFBody(t *testing.T) {
	if got, want := string(infoDTMFBody('#')), "Signal=#\r\nDuration=160\r\n"; got != want {
		t.Errorf("body %q, want %q", got, want)
	}
}

func TestRedirectTargetGuards(t *testing.T) {
	first := sip.Uri{Scheme: "sip", User: "a", Host: "h1"}
	res := func(contact string) *sip.Response {
		r := sip.NewResponse(302, "Moved Temporarily")
		if contact != "" {
			r.AppendHeader(sip.NewHeader("Contact", contact))
		}
		return r
	}
	tests := []struct {
		name    string
		seen    []string
		contact string
		ok      bool
		why     string
	}{
		{name: "first hop", contact: "<sip:b@h2>", ok: true},
		{name: "no contact", contact: "", why: "no Contact"},
		{name: "non-SIP", contact: "<tel:+123>", why: "non-SIP"},
		{name: "loop to the first", contact: "<sip:a@h1>", why: "loop"},
		{name: "loop to a hop", seen: []string{"sip:a@h1", "sip:b@h2"}, contact: "<sip:b@h2>", why: "loop"},
		{name: "too many", seen: []string{"1", "2", "3", "4", "5", "6"}, contact: "<sip:z@h9>", why: "more than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := &Call{redirects: tt.seen}
			r := res(tt.contact)
			if tt.contact != "" { // parse the header as the transport would
				parsed, err := sip.ParseMessage([]byte("SIP/2.0 302 Moved Temporarily\r\nContact: " + tt.contact + "\r\nContent-Length: 0\r\n\r\n"))
				if err != nil {
					t.Fatal(err)
				}
				r = parsed.(*sip.Response)
			}
			got, why, ok := c.redirectTarget(r, first)
			if ok != tt.ok || !strings.Contains(why, tt.why) {
				t.Fatalf("redirectTarget = %v, %q, %v; want ok=%v why~%q", got, why, ok, tt.ok, tt.why)
			}
			if ok && got.Host != "h2" {
				t.Errorf("target %v, want sip:b@h2", got)
			}
		})
	}
}
