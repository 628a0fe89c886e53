package phone

import (
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/config"
)

// TestSessionAsUAS: the interval and refresher we answer with, from the caller's request.
func TestSessionAsUAS(t *testing.T) {
	for _, tc := range []struct {
		name       string
		asked      time.Duration // our session_timer
		headers    map[string]string
		wantSE     string // our 2xx's Session-Expires ("" none)
		wantReq    bool   // Require: timer in our 2xx
		weRefresh  bool
		peerUpdate bool
	}{
		{"no timer asked", 1800 * time.Second, nil, "", false, false, false},
		{"caller refreshes", 1800 * time.Second,
			map[string]string{"Session-Expires": "600;refresher=uac", "Supported": "timer"}, "600;refresher=uac", true, false, false},
		{"we refresh", 1800 * time.Second,
			map[string]string{"Session-Expires": "600;refresher=uas", "Allow": "INVITE, UPDATE"}, "600;refresher=uas", false, true, true},
		{"left to us, caller supports timer", 1800 * time.Second,
			map[string]string{"Session-Expires": "900", "Supported": "100rel, timer"}, "900;refresher=uac", true, false, false},
		{"left to us, caller without timer", 1800 * time.Second,
			map[string]string{"Session-Expires": "900"}, "900;refresher=uas", false, true, false},
		{"we shorten to ours", 300 * time.Second,
			map[string]string{"Session-Expires": "3600;refresher=uac", "Supported": "timer"}, "300;refresher=uac", true, false, false},
		{"not below the caller's Min-SE", 300 * time.Second,
			map[string]string{"Session-Expires": "3600;refresher=uac", "Min-SE": "1200", "Supported": "timer"}, "1200;refresher=uac", true, false, false},
		{"off: the caller's own interval", 0,
			map[string]string{"Session-Expires": "3600;refresher=uac", "Supported": "timer"}, "3600;refresher=uac", true, false, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			acct := &Account{cfg: &config.Account{SessionTimerDur: tc.asked, SessionMinSEDur: 90 * time.Second}}
			c := &Call{acct: acct, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
			req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", User: "a", Host: "127.0.0.1"})
			for k, v := range tc.headers {
				req.AppendHeader(sip.NewHeader(k, v))
			}
			var se string
			req2xxRequire := false
			for _, h := range c.sessionAsUAS(req) {
				switch h.Name() {
				case "Session-Expires":
					se = h.Value()
				case "Require":
					req2xxRequire = h.Value() == tagTimer
				}
			}
			if se != tc.wantSE || req2xxRequire != tc.wantReq {
				t.Errorf("2xx Session-Expires %q Require timer %v, want %q %v", se, req2xxRequire, tc.wantSE, tc.wantReq)
			}
			if c.ext.st.weRefresh != tc.weRefresh && tc.wantSE != "" {
				t.Errorf("we refresh: %v, want %v", c.ext.st.weRefresh, tc.weRefresh)
			}
		})
	}
}

// TestSessionAsUAC: the refresher and interval a 2xx to our INVITE gives us.
func TestSessionAsUAC(t *testing.T) {
	for _, tc := range []struct {
		se        string
		interval  time.Duration
		weRefresh bool
	}{
		{"", 0, false},
		{"1800;refresher=uac", 1800 * time.Second, true},
		{"600;refresher=uas", 600 * time.Second, false},
		{"600", 600 * time.Second, true}, // no refresher named: the UAC refreshes (RFC 4028 §7.2)
	} {
		acct := &Account{cfg: &config.Account{SessionTimerDur: 1800 * time.Second, SessionMinSEDur: 90 * time.Second}}
		c := &Call{acct: acct, log: slog.New(slog.NewTextHandler(io.Discard, nil))}
		c.info.State = StateTerminated // no timer is armed
		res := sip.NewResponse(200, "OK")
		if tc.se != "" {
			res.AppendHeader(sip.NewHeader("Session-Expires", tc.se))
		}
		c.sessionAsUAC(res, true)
		if c.ext.st.interval != tc.interval || (tc.interval != 0 && c.ext.st.weRefresh != tc.weRefresh) {
			t.Errorf("Session-Expires %q: interval %v we refresh %v, want %v %v", tc.se, c.ext.st.interval, c.ext.st.weRefresh, tc.interval, tc.weRefresh)
		}
	}
}

// TestAddSessionHeaders: our hold/resume re-INVITE carries the running timer, the refresher
// named from the re-INVITE's point of view.
func TestAddSessionHeaders(t *testing.T) {
	for _, tc := range []struct {
		interval  time.Duration
		weRefresh bool
		want      string
	}{
		{0, false, ""},
		{1800 * time.Second, true, "1800;refresher=uac"},
		{600 * time.Second, false, "600;refresher=uas"},
	} {
		acct := &Account{cfg: &config.Account{SessionTimerDur: 1800 * time.Second, SessionMinSEDur: 90 * time.Second}}
		c := &Call{acct: acct}
		c.ext.st.interval, c.ext.st.weRefresh = tc.interval, tc.weRefresh
		req := sip.NewRequest(sip.INVITE, sip.Uri{Scheme: "sip", Host: "127.0.0.1"})
		c.addSessionHeaders(req)
		got := ""
		if h := req.GetHeader("Session-Expires"); h != nil {
			got = h.Value()
		}
		if got != tc.want {
			t.Errorf("interval %v we refresh %v: Session-Expires %q, want %q", tc.interval, tc.weRefresh, got, tc.want)
		}
	}
}
