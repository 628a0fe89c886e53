package main

import (
	"strings"
	"testing"
	"time"
)

// TestProbePeers: probe (OPTIONS) reads the Allow list of kamailio and baresip, the codecs of
// baresip's SDP, and predicts no failure that is not there (all three take calls). linphonec
// answers OPTIONS with a bare 200 (no Allow, no User-Agent): the probe says it cannot tell.
func TestProbePeers(t *testing.T) {
	needTools(t, "kamailio", "baresip", "linphonec")
	l := lab(t)
	p := startPhone(t, "--listen", "127.0.0.1:5274", "--audio", "null")
	// the three peers start at once (each takes seconds on a busy machine)
	starts := []struct {
		env    []string
		script string
		args   []string
	}{
		{nil, "kamailio.sh", nil},
		{[]string{"CTRL_PORT=35276"}, "baresip.sh", []string{"5276"}},
		{nil, "linphone.sh", []string{"5278"}},
	}
	outs := make(chan string, len(starts))
	for _, st := range starts {
		go func() {
			out, rc := l.run(60*time.Second, st.env, st.script, st.args...)
			if rc != 0 || !readyRE.MatchString(out) {
				out = "FAILED " + st.script + ": " + out
			}
			outs <- out
		}()
	}
	for range starts {
		if out := <-outs; strings.HasPrefix(out, "FAILED") {
			t.Fatal(out)
		} else {
			t.Logf("lab: %s", readyRE.FindString(out))
		}
	}
	tests := []struct {
		uri   string
		allow []string // must be in the Allow list
		sdp   bool     // the 200 carries an SDP offer
	}{
		{"sip:127.0.0.1:5060", []string{"INVITE", "OPTIONS"}, false},
		{"sip:baresip@127.0.0.1:5276", []string{"INVITE", "BYE", "REFER"}, true},
		{"sip:linphone@127.0.0.1:5278", nil, false},
	}
	for _, tt := range tests {
		e := p.query("probe "+tt.uri, "probe", 15*time.Second)
		t.Logf("probe %s: %s", tt.uri, e.Raw)
		if e.Int("code") != 200 || e.Str("uri") != tt.uri {
			t.Errorf("probe %s: %s, want 200", tt.uri, e.Raw)
			continue
		}
		allow := e.Str("allow")
		for _, m := range tt.allow {
			if !strings.Contains(allow, `"`+m+`"`) {
				t.Errorf("probe %s: allow %s lacks %s", tt.uri, allow, m)
			}
		}
		if tt.allow == nil && !strings.Contains(e.Str("predictions"), "no Allow") {
			t.Errorf("probe %s: no Allow, and the predictions do not say so: %s", tt.uri, e.Raw)
		}
		if tt.sdp && !strings.Contains(e.Str("codecs"), "PCMU") {
			t.Errorf("probe %s: codecs %s, want PCMU from its SDP", tt.uri, e.Str("codecs"))
		}
		if strings.Contains(e.Str("predictions"), "no common codec") || strings.Contains(e.Str("predictions"), "calls will fail") {
			t.Errorf("probe %s predicts a failure that is not there: %s", tt.uri, e.Str("predictions"))
		}
	}
}
