package main

// Load: 200 SIPp calls at 20 calls/s against --auto-answer 0s (phone on 5083). Afterwards no
// call is left in the registry and the goroutine count is back near idle (no leak per call).

import (
	"fmt"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

const (
	loadCalls = 200
	loadRate  = 20
)

// debugEvent is the whole debug reply (also heap_inuse_kb: the live heap after a GC).
func debugEvent(t *testing.T, p *Phone) Event {
	t.Helper()
	e := p.query("debug", "debug", 5*time.Second)
	if e.Str("event") != "debug" || e.Int("goroutines") < 0 {
		t.Fatalf("the headless `debug` command (goroutine count) is missing or malformed: %s", e.Raw)
	}
	return e
}

// threads reads the process's OS thread count from /proc (logged only: a hint, not asserted).
func threads(pid int) int {
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/status")
	if err != nil {
		return -1
	}
	for _, line := range strings.Split(string(b), "\n") {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	return -1
}

// openFDs counts the process's open file descriptors (sockets, files); -1 if unreadable.
func openFDs(pid int) int {
	ents, err := os.ReadDir("/proc/" + strconv.Itoa(pid) + "/fd")
	if err != nil {
		return -1
	}
	return len(ents)
}

// TestSippLoad200Calls: SIPp uac-nortp (INVITE, 200, ACK, 1 s, BYE; no RTP from SIPp), 200
// calls at 20/s, up to 100 at once: all 200 succeed, the phone saw 200 incoming, established
// and terminated calls and no 603; afterwards `calls` reports 0 and the goroutines, open file
// descriptors and live heap return to about their idle figures.
func TestSippLoad200Calls(t *testing.T) {
	needTools(t, "sipp")
	l := lab(t)
	// up to 100 calls at once from one source: above the default max_calls (8)
	cfg := writeFile(t, t.TempDir(), "sipterm.toml", "max_calls = 150\n")
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5083), "--auto-answer", "0s", "--audio", "null")
	time.Sleep(time.Second) // let start-up goroutines settle before the idle figure
	idle := debugEvent(t, p)
	idleG, idleHeap := idle.Int("goroutines"), idle.Int("heap_inuse_kb")
	idleFDs := openFDs(p.Pid())
	t.Logf("idle: goroutines=%d threads=%d fds=%d heap_inuse_kb=%d", idleG, threads(p.Pid()), idleFDs, idleHeap)

	r := l.sipp("uac-nortp", phoneAddr(5083), "COUNT="+strconv.Itoa(loadCalls), "RATE="+strconv.Itoa(loadRate),
		"LIMIT=100", "DURATION=1", "TIMEOUT=120", "RECV_TIMEOUT=10000")
	r.expectOK(t, loadCalls)
	t.Logf("load: %s", r.Line)

	p.waitCalls(0, 45*time.Second)
	// distinct call ids per state: the `calls` polls above list live calls as call events too
	count := func(state string) int {
		ids := map[string]bool{}
		for _, e := range p.Events() {
			if e.Str("event") == "call" && e.Str("state") == state {
				ids[e.Str("id")] = true
			}
		}
		return len(ids)
	}
	for _, s := range []string{"incoming", "established", "terminated"} {
		if n := count(s); n != loadCalls {
			t.Errorf("%d %s call events, want %d", n, s, loadCalls)
		}
	}
	p.never603()

	// goroutines back to idle (transactions may linger for Timer J/K: poll, bounded)
	slack := max(5, idleG/10)
	// and no RTP/RTCP socket (or other descriptor) left open per call, and the live heap
	// (after a GC) back near idle: nothing of the 200 calls is retained
	// The allowance includes what the phone keeps on purpose, bounded whatever the call count: the
	// ladder's last Call-IDs (trace_calls.go) and the last 8 ended calls' captures (capture.go).
	heapMax := -1
	if idleHeap >= 0 {
		heapMax = idleHeap*3/2 + 1024 + 512
	}
	// sipgo keeps an answered INVITE's transaction 1 s (Timer L, acceptedLinger) and other
	// finished ones txLinger (8 s, not 32 s) over UDP (phone/memory.go): the live heap settles
	// about that long after the last BYE
	var g, fds, heap int
	var polls []string
	for deadline := time.Now().Add(60 * time.Second); ; time.Sleep(2 * time.Second) {
		e := debugEvent(t, p)
		var calls int
		g, calls, heap = e.Int("goroutines"), e.Int("calls"), e.Int("heap_inuse_kb")
		fds = openFDs(p.Pid())
		polls = append(polls, fmt.Sprintf("goroutines=%d calls=%d fds=%d heap_inuse_kb=%d", g, calls, fds, heap))
		heapOK := heapMax < 0 || heap <= heapMax
		if g <= idleG+slack && calls == 0 && fds <= idleFDs+2 && heapOK {
			break
		}
		if time.Now().After(deadline) {
			t.Errorf("60 s after the load: goroutines %d (idle %d, +%d allowed), calls %d, open fds %d (idle %d, +2 allowed), "+
				"heap_inuse_kb %d (idle %d, %d allowed): a leak per call? polls:\n%s",
				g, idleG, slack, calls, fds, idleFDs, heap, idleHeap, heapMax, strings.Join(polls, "\n"))
			break
		}
	}
	t.Logf("after: goroutines=%d threads=%d fds=%d heap_inuse_kb=%d", g, threads(p.Pid()), fds, heap)
	l.sipp("options", phoneAddr(5083)).expectOK(t, 1)
}
