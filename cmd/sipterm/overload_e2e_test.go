package main

// Overload (phone on 5290, SIPp from 5291): SIPp sends INVITEs far faster than a -race build
// sets them up. The phone sheds the excess with a quick 503 + Retry-After (max_setups), then
// is idle again within 5 s of the load's end and answers a normal call.

import (
	"strconv"
	"testing"
	"time"
)

func TestOverload503(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	// max_calls high and no per-source rate limit: only the set-up gate may refuse (16: a -race
	// build on a shared 2-core machine sets up far fewer calls than the default 64 allows)
	cfg := writeFile(t, t.TempDir(), "sipterm.toml", "max_calls = 1000\nrate_limit = 0\nmax_setups = 16\n")
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5290), "--auto-answer", "0s", "--audio", "null")

	const calls, rate = 2000, 800
	start := time.Now()
	r := l.sipp("uac-overload", phoneAddr(5290), "SIPP_PORT=5291", "COUNT="+strconv.Itoa(calls),
		"RATE="+strconv.Itoa(rate), "LIMIT="+strconv.Itoa(calls), "DURATION=1", "TIMEOUT=60", "RECV_TIMEOUT=8000")
	t.Logf("load (%s): %s", time.Since(start).Round(time.Millisecond), r.Line)
	if r.Successful < 0 {
		t.Fatalf("SIPp did not run: %s", r.errTail())
	}
	// Every call either set up or got a 503 that carried Retry-After (check_it fails the call
	// otherwise): no INVITE left waiting for an answer it never got.
	if r.Failed != 0 {
		t.Errorf("%d of %d calls failed (timeouts or a 503 without Retry-After): %s", r.Failed, calls, oneLine(r.errTail(), 600))
	}

	// Back to idle within 5 s after the load: no call left in the registry.
	stop := time.Now()
	var e Event
	for {
		e = debugEvent(t, p)
		if e.Int("calls") == 0 {
			break
		}
		if time.Since(stop) > 5*time.Second {
			p.Send("calls")
			time.Sleep(500 * time.Millisecond)
			t.Fatalf("%d calls still in the registry 5 s after the load: %s", e.Int("calls"), e.Raw)
		}
		time.Sleep(200 * time.Millisecond)
	}
	n := refused(t, p)
	t.Logf("idle after %s; refused %v", time.Since(stop).Round(time.Millisecond), n)
	if n["overload"] == 0 {
		t.Errorf("no INVITE was refused for overload at %d/s (debug refused: %v)", rate, n)
	}
	if n["rate_limited"] != 0 || n["busy"] != 0 {
		t.Errorf("other refusals under load: %v", n)
	}
	// and it answers a normal call right after
	l.sipp("uac-nortp", phoneAddr(5290), "SIPP_PORT=5291", "DURATION=1").expectOK(t, 1)
}
