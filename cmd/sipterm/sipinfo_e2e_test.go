package main

import (
	"testing"
	"time"
)

// TestSippInfoDTMF: DTMF sent as SIP INFO (application/dtmf-relay "Signal=7", application/dtmf
// "#") in an answered call gets 200s and reaches the phone as dtmf events, source "info".
func TestSippInfoDTMF(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5063), "--auto-answer", "0s", "--audio", "null")
	r := l.sipp("uac-info-dtmf", phoneAddr(5063), "SERVICE=sipterm", "SIPP_PORT=5095", "DURATION=1")
	r.expectOK(t, 1)
	id := p.waitFor(5*time.Second, "call", "state", "established").Str("id")
	for _, digit := range []string{"7", "#"} {
		e := p.waitFor(5*time.Second, "dtmf", "id", id, "digit", digit)
		if e.Str("source") != "info" {
			t.Errorf("dtmf %s came from %q, want info: %s", digit, e.Str("source"), e.Raw)
		}
	}
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
}

// TestSippLateOffer: an INVITE without SDP is answered with our offer in the 200 (SIPp checks
// for an m=audio line) and the answer in SIPp's ACK starts media.
func TestSippLateOffer(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	p := startPhone(t, "--listen", phoneAddr(5063), "--auto-answer", "0s", "--audio", "null")
	r := l.sipp("uac-late-offer", phoneAddr(5063), "SERVICE=sipterm", "SIPP_PORT=5095", "DURATION=2")
	r.expectOK(t, 1)
	id := p.waitFor(5*time.Second, "call", "state", "established").Str("id")
	m := p.waitFor(5*time.Second, "media", "id", id)
	if m.Str("codec") != "PCMU" || m.Str("remote") == "" {
		t.Errorf("media from the ACK's answer: %s", m.Raw)
	}
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
}
