package main

// End-to-end harness: builds the sipterm binary once, runs it headless (docs/protocol.md,
// the headless protocol), reads its JSON-lines events, and drives the loopback interop lab in .ci/lab
// (SIPp, kamailio, baresip). Every wait is bounded and every process started here is stopped
// by its own PID (the phone) or by .ci/lab/stop.sh (lab peers, by the pidfiles in LAB_DIR).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

var (
	phoneBin   string // path of the binary under test
	buildErr   error  // why it could not be built
	buildOnce  sync.Once
	binDir     string // temp dir for the binary, removed by TestMain
	repoRoot   string // the module root (for .ci/lab)
	labScripts string // repoRoot/.ci/lab
)

func TestMain(m *testing.M) {
	os.Exit(runMain(m))
}

func runMain(m *testing.M) int {
	root, err := filepath.Abs(filepath.Join("..", ".."))
	if err == nil {
		repoRoot = root
		labScripts = filepath.Join(root, ".ci", "lab")
	}
	code := m.Run()
	if binDir != "" {
		_ = os.RemoveAll(binDir)
	}
	return code
}

// skipInUnit skips a test that needs the built phone or real peers under `make unit` (go test
// -short). `make test` and `make interop` never pass -short, so there these tests always run.
func skipInUnit(t *testing.T, why string) {
	t.Helper()
	if testing.Short() {
		t.Skip(why + ": run by make test / make interop, not by make unit (-short)")
	}
}

// ensurePhone builds the binary once, at the first startPhone (so `go test -bench` and unit
// runs of this package do not pay for it). SIPTERM_E2E_BIN runs a prebuilt binary instead.
func ensurePhone() error {
	buildOnce.Do(func() {
		if bin := os.Getenv("SIPTERM_E2E_BIN"); bin != "" {
			phoneBin = bin
			return
		}
		dir, err := os.MkdirTemp("", "sipterm-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		binDir = dir
		phoneBin = filepath.Join(dir, "sipterm")
		buildErr = buildPhone(phoneBin)
	})
	return buildErr
}

// buildPhone compiles ./ (package main). When the test binary itself runs with the race
// detector (make test uses -race), the phone is built with -race too so that data races in the
// core show up in these end-to-end runs; SIPTERM_E2E_RACE=0/1 overrides.
func buildPhone(out string) error {
	args := []string{"build", "-o", out}
	race := raceBuild
	if v := os.Getenv("SIPTERM_E2E_RACE"); v != "" {
		race = v == "1"
	}
	if race {
		args = append(args, "-race")
	}
	args = append(args, ".")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "go", args...)
	var buf bytes.Buffer
	cmd.Stdout, cmd.Stderr = &buf, &buf
	if err := cmd.Run(); err != nil {
		return fmt.Errorf("go %s: %v\n%s", strings.Join(args, " "), err, buf.String())
	}
	return nil
}

// testDir is a fresh directory for a test: t.TempDir(), or with SIPTERM_E2E_KEEP=DIR a
// directory DIR/TestName/name-N that is kept after the test (phone stderr, lab logs, SIPp traces).
func testDir(t *testing.T, name string) string {
	t.Helper()
	keep := os.Getenv("SIPTERM_E2E_KEEP")
	if keep == "" {
		return t.TempDir()
	}
	base := filepath.Join(keep, strings.ReplaceAll(t.Name(), "/", "_"))
	for i := 1; ; i++ {
		dir := filepath.Join(base, fmt.Sprintf("%s-%d", name, i))
		if _, err := os.Stat(dir); err == nil {
			continue
		}
		if err := os.MkdirAll(dir, 0o755); err != nil {
			t.Fatal(err)
		}
		abs, _ := filepath.Abs(dir)
		return abs
	}
}

// needTools fails when a tool is missing: the interop tests never skip (make test, through
// .ci/deps.sh test, installs every tool they need).
func needTools(t *testing.T, tools ...string) {
	t.Helper()
	var missing []string
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			missing = append(missing, tool)
		}
	}
	if len(missing) > 0 {
		t.Fatalf("missing tools %v (run .ci/deps.sh test, or make test)", missing)
	}
}

// ---------------------------------------------------------------------------------------------
// The phone under test

// Event is one JSON line of the phone's standard output.
type Event struct {
	Seq int            // position in the phone's output (0-based)
	At  time.Time      // when the harness read it
	M   map[string]any // the decoded object
	Raw string
}

// Str returns a field as a string ("" if absent); numbers are formatted without decimals.
func (e Event) Str(key string) string {
	switch v := e.M[key].(type) {
	case nil:
		return ""
	case string:
		return v
	case float64:
		return strconv.FormatFloat(v, 'f', -1, 64)
	default:
		b, _ := json.Marshal(v)
		return string(b)
	}
}

// Int returns a numeric field (-1 if absent or not a number).
func (e Event) Int(key string) int {
	if v, ok := e.M[key].(float64); ok {
		return int(v)
	}
	return -1
}

func (e Event) String() string { return fmt.Sprintf("#%d %s", e.Seq, e.Raw) }

// matcher selects events.
type matcher func(Event) bool

// ev matches events of a kind whose fields equal the given key/value pairs
// (values compared as strings, e.g. ev("call", "state", "terminated", "code", "487")).
func ev(kind string, kv ...string) matcher {
	if len(kv)%2 != 0 {
		panic("ev: odd key/value list")
	}
	return func(e Event) bool {
		if e.Str("event") != kind {
			return false
		}
		for i := 0; i < len(kv); i += 2 {
			if e.Str(kv[i]) != kv[i+1] {
				return false
			}
		}
		return true
	}
}

// Phone is one running `sipterm --headless`.
type Phone struct {
	t      *testing.T
	cmd    *exec.Cmd
	stdin  interface{ Write([]byte) (int, error) }
	closeW func() error
	errLog string // stderr file
	trace  string // --sip-trace file

	mu       sync.Mutex
	events   []Event
	consumed map[int]bool
	since    int      // waitEvent only looks at events with Seq >= since
	badLines []string // stdout lines that are not a JSON object with an "event" key
	changed  chan struct{}
	outDone  chan struct{} // stdout closed
	exited   chan struct{} // process reaped
	exitErr  error
	stopped  bool
	// expectExit: the test ended the process itself (terminate); stop only checks the rest
	expectExit bool
}

// startPhone starts `sipterm --headless ARGS...` and waits for its ready event.
func startPhone(t *testing.T, args ...string) *Phone {
	t.Helper()
	return startPhoneEnv(t, nil, args...)
}

// startPhoneEnv is startPhone with extra environment variables (e.g. "GOGC=1").
func startPhoneEnv(t *testing.T, env []string, args ...string) *Phone {
	t.Helper()
	return startPhoneIn(t, nil, env, args...)
}

// startPhoneIn is startPhoneEnv run under a command prefix (e.g. ip netns exec NS).
func startPhoneIn(t *testing.T, prefix []string, env []string, args ...string) *Phone {
	t.Helper()
	skipInUnit(t, "runs the built phone")
	if err := ensurePhone(); err != nil {
		t.Fatalf("the phone binary could not be built:\n%v", err)
	}
	dir := testDir(t, "phone")
	errLog := filepath.Join(dir, "sipterm.stderr")
	errFile, err := os.Create(errLog)
	if err != nil {
		t.Fatal(err)
	}
	full := append([]string{"--headless"}, args...)
	trace := flagValue(args, "--sip-trace")
	if trace == "" {
		trace = filepath.Join(dir, "sip.trace")
		full = append(full, "--sip-trace", trace)
	}
	cmd := exec.Command(phoneBin, full...)
	if len(prefix) > 0 {
		cmd = exec.Command(prefix[0], append(append(prefix[1:len(prefix):len(prefix)], phoneBin), full...)...)
	}
	cmd.Dir = dir
	// an empty XDG config dir: a developer's own config.toml must not leak into the test
	xdg := filepath.Join(dir, "xdg")
	_ = os.MkdirAll(xdg, 0o755)
	cmd.Env = append(os.Environ(), "XDG_CONFIG_HOME="+xdg)
	cmd.Env = append(cmd.Env, env...)
	cmd.Stderr = errFile
	// own process group (stop kills stray children with it); killed if the test binary dies
	// (a timeout panic runs no cleanups, and EOF on stdin does not stop a headless phone)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", phoneBin, err)
	}
	_ = errFile.Close() // the child has its own descriptor
	p := &Phone{
		t: t, cmd: cmd, stdin: stdin, closeW: stdin.Close, errLog: errLog, trace: trace,
		consumed: map[int]bool{}, changed: make(chan struct{}, 1),
		outDone: make(chan struct{}), exited: make(chan struct{}),
	}
	t.Logf("phone: pid %d: %s %s", cmd.Process.Pid, filepath.Base(phoneBin), strings.Join(full, " "))
	go p.readEvents(stdout)
	go func() {
		<-p.outDone
		p.exitErr = cmd.Wait()
		close(p.exited)
	}()
	t.Cleanup(p.stop)

	ready := p.waitEvent(ev("ready"), 15*time.Second)
	if addr := flagValue(args, "--listen"); addr != "" {
		listen := ready.Str("listen")
		for _, want := range []string{`"udp:` + addr + `"`, `"tcp:` + addr + `"`} {
			if !strings.Contains(listen, want) {
				t.Fatalf("ready event does not listen on %s (port busy?): %s", want, ready.Raw)
			}
		}
	}
	return p
}

func flagValue(args []string, name string) string {
	for i, a := range args {
		if a == name && i+1 < len(args) {
			return args[i+1]
		}
		if strings.HasPrefix(a, name+"=") {
			return strings.TrimPrefix(a, name+"=")
		}
	}
	return ""
}

func (p *Phone) readEvents(r interface{ Read([]byte) (int, error) }) {
	defer close(p.outDone)
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 4*1024*1024)
	for sc.Scan() {
		line := sc.Text()
		var m map[string]any
		if err := json.Unmarshal([]byte(line), &m); err != nil || m["event"] == nil {
			p.mu.Lock()
			p.badLines = append(p.badLines, line)
			p.mu.Unlock()
			continue
		}
		p.mu.Lock()
		p.events = append(p.events, Event{Seq: len(p.events), At: time.Now(), M: m, Raw: line})
		p.mu.Unlock()
		p.signal()
	}
	p.signal()
}

func (p *Phone) signal() {
	select {
	case p.changed <- struct{}{}:
	default:
	}
}

// Send writes one command line to the phone's standard input.
func (p *Phone) Send(cmd string) {
	p.t.Helper()
	p.t.Logf("phone <- %s", cmd)
	if _, err := p.stdin.Write([]byte(cmd + "\n")); err != nil {
		p.t.Fatalf("send %q: %v", cmd, err)
	}
}

// Mark makes later waitEvent calls look only at events that come after this point.
func (p *Phone) Mark() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.since = len(p.events)
	return p.since
}

// Events returns a copy of every event so far.
func (p *Phone) Events() []Event {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]Event(nil), p.events...)
}

// find returns the first unconsumed event at or after since that matches.
func (p *Phone) find(match matcher) (Event, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	for i := p.since; i < len(p.events); i++ {
		if !p.consumed[i] && match(p.events[i]) {
			p.consumed[i] = true
			return p.events[i], true
		}
	}
	return Event{}, false
}

// tryWait is waitEvent without failing: ok=false on timeout or exit.
func (p *Phone) tryWait(match matcher, timeout time.Duration) (Event, bool) {
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		if e, ok := p.find(match); ok {
			return e, true
		}
		select {
		case <-p.changed:
		case <-p.outDone:
			if e, ok := p.find(match); ok {
				return e, true
			}
			return Event{}, false
		case <-deadline.C:
			return Event{}, false
		}
	}
}

// waitEvent waits (bounded) for the next matching event and marks it consumed; it fails the
// test on timeout or when the phone's output ends.
func (p *Phone) waitEvent(match matcher, timeout time.Duration) Event {
	p.t.Helper()
	e, ok := p.tryWait(match, timeout)
	if ok {
		return e
	}
	select {
	case <-p.outDone:
		p.t.Fatalf("the phone's output ended (exited?) before the awaited event; events:\n%s", p.dumpEvents(30))
	default:
	}
	p.t.Fatalf("no matching event within %v; last events:\n%s", timeout, p.dumpEvents(30))
	return Event{}
}

// waitFor is waitEvent for ev(kind, kv...).
func (p *Phone) waitFor(timeout time.Duration, kind string, kv ...string) Event {
	p.t.Helper()
	return p.waitEvent(ev(kind, kv...), timeout)
}

// query sends a command and waits for the reply event of the given kind (or an error event).
// It marks first, so later waits only see events from this point on.
func (p *Phone) query(cmd, kind string, timeout time.Duration) Event {
	p.t.Helper()
	p.Mark()
	p.Send(cmd)
	return p.waitEvent(func(e Event) bool {
		k := e.Str("event")
		return k == kind || k == "error"
	}, timeout)
}

// waitCalls polls `calls` until the phone reports count==want (bounded).
func (p *Phone) waitCalls(want int, timeout time.Duration) Event {
	p.t.Helper()
	deadline := time.Now().Add(timeout)
	var last Event
	for {
		last = p.query("calls", "calls", 5*time.Second)
		if last.Str("event") == "error" {
			p.t.Fatalf("calls command failed: %s", last.Raw)
		}
		if last.Int("count") == want {
			return last
		}
		if time.Now().After(deadline) {
			p.t.Fatalf("calls: count stays %d, want %d after %v: %s\n%s", last.Int("count"), want, timeout, last.Raw, p.dumpEvents(20))
		}
		time.Sleep(time.Second)
	}
}

func (p *Phone) dumpEvents(n int) string {
	evs := p.Events()
	if len(evs) > n {
		evs = evs[len(evs)-n:]
	}
	var b strings.Builder
	for _, e := range evs {
		b.WriteString("  " + e.String() + "\n")
	}
	if b.Len() == 0 {
		b.WriteString("  (no events)\n")
	}
	return b.String()
}

// Pid is the phone's process id.
func (p *Phone) Pid() int { return p.cmd.Process.Pid }

// Exited reports whether the process has ended.
func (p *Phone) Exited() bool {
	select {
	case <-p.exited:
		return true
	default:
		return false
	}
}

// stop ends the phone: `quit`, close stdin, wait up to 10 s, then SIGKILL. It checks the
// contract (exit status 0 after quit; only JSON events on stdout; no data race reported) and
// dumps stderr and the events when the test failed.
func (p *Phone) stop() {
	t := p.t
	p.mu.Lock()
	if p.stopped {
		p.mu.Unlock()
		return
	}
	p.stopped = true
	p.mu.Unlock()

	alreadyGone := p.Exited()
	if !alreadyGone {
		_, _ = p.stdin.Write([]byte("quit\n"))
		_ = p.closeW()
		select {
		case <-p.exited:
			if p.exitErr != nil {
				t.Errorf("phone: exit after quit: %v (want status 0)", p.exitErr)
			}
		case <-time.After(10 * time.Second):
			t.Errorf("phone: still running 10 s after quit; SIGKILL")
			_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)
			select {
			case <-p.exited:
			case <-time.After(5 * time.Second):
				t.Errorf("phone: not reaped 5 s after SIGKILL")
			}
		}
	} else if !p.expectExit {
		t.Errorf("phone: exited before the test stopped it: %v", p.exitErr)
	}
	// stray children of the phone (there should be none): kill its process group
	_ = syscall.Kill(-p.cmd.Process.Pid, syscall.SIGKILL)

	p.mu.Lock()
	bad := append([]string(nil), p.badLines...)
	p.mu.Unlock()
	if len(bad) > 0 {
		t.Errorf("phone: %d stdout line(s) are not JSON events (contract: only JSON lines with \"event\" on stdout), first: %q", len(bad), bad[0])
	}
	stderr, _ := os.ReadFile(p.errLog)
	if bytes.Contains(stderr, []byte("WARNING: DATA RACE")) {
		t.Errorf("phone: the race detector reported a data race:\n%s", raceReports(string(stderr), 3))
	}
	if bytes.Contains(stderr, []byte("panic: ")) || bytes.Contains(stderr, []byte("fatal error: ")) {
		t.Errorf("phone: panic/fatal error on stderr")
	}
	if t.Failed() {
		t.Logf("phone events (last 60):\n%s", p.dumpEvents(60))
		t.Logf("phone stderr (last 80 lines of %d bytes):\n%s", len(stderr), tail(string(stderr), 80))
		if tr, err := os.ReadFile(p.trace); err == nil {
			t.Logf("phone SIP trace %s (last 120 lines):\n%s", p.trace, tail(string(tr), 120))
		}
	}
}

// terminate stops the phone with a signal instead of quit and checks it exits with status 0
// within 10 s (contract: SIGINT/SIGTERM like quit).
func (p *Phone) terminate(sig syscall.Signal) {
	p.t.Helper()
	p.t.Logf("phone <- %v", sig)
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.exited:
		if p.exitErr != nil {
			p.t.Errorf("phone: exit after %v: %v (want status 0)", sig, p.exitErr)
		}
	case <-time.After(10 * time.Second):
		p.t.Errorf("phone: still running 10 s after %v", sig)
	}
	p.mu.Lock()
	p.expectExit = true
	p.mu.Unlock()
	p.stop()
}

// raceReports extracts the first n race detector reports from a stderr text.
func raceReports(s string, n int) string {
	var out []string
	for _, part := range strings.Split(s, "==================\n")[1:] {
		if strings.HasPrefix(part, "WARNING: DATA RACE") {
			out = append(out, part)
			if len(out) == n {
				break
			}
		}
	}
	return strings.Join(out, "==================\n")
}

func tail(s string, n int) string {
	lines := strings.Split(strings.TrimRight(s, "\n"), "\n")
	if len(lines) > n {
		lines = lines[len(lines)-n:]
	}
	return strings.Join(lines, "\n")
}

// noEvent fails if any event so far matches (e.g. a 603 anywhere).
func (p *Phone) noEvent(what string, match matcher) {
	p.t.Helper()
	for _, e := range p.Events() {
		if match(e) {
			p.t.Errorf("phone: unexpected %s: %s", what, e.Raw)
		}
	}
}

// never603 fails if any call ended with 603 (the seed bug: a call dropped while ringing).
func (p *Phone) never603() {
	p.t.Helper()
	p.noEvent("603", func(e Event) bool { return e.Str("event") == "call" && e.Int("code") == 603 })
}

// ---------------------------------------------------------------------------------------------
// The lab (.ci/lab)

// Lab is one LAB_DIR; its peers are stopped by stop.sh at cleanup.
type Lab struct {
	t   *testing.T
	Dir string
	n   int
}

func lab(t *testing.T) *Lab {
	t.Helper()
	skipInUnit(t, "starts real peers")
	if labScripts == "" {
		t.Fatal("repo root not found")
	}
	if _, err := os.Stat(filepath.Join(labScripts, "sipp.sh")); err != nil {
		t.Fatalf("lab scripts missing: %v", err)
	}
	dir := testDir(t, "lab")
	l := &Lab{t: t, Dir: dir}
	l.watchdog()
	t.Cleanup(func() {
		out, rc := l.run(30*time.Second, nil, "stop.sh")
		if rc != 0 {
			t.Logf("lab stop.sh rc=%d: %s", rc, out)
		}
		if t.Failed() {
			l.dumpLogs()
		}
	})
	return l
}

// watchdog starts a detached shell that runs stop.sh for this LAB_DIR if the test binary dies
// without running its cleanups (e.g. go test's -timeout panic), so that no kamailio/baresip is
// left holding the lab's ports. It ends by itself once the LAB_DIR is gone (normal cleanup).
func (l *Lab) watchdog() {
	script := fmt.Sprintf(`while kill -0 %d 2>/dev/null && [ -d %q ]; do sleep 2; done; `+
		`[ -d %q ] && LAB_DIR=%q %q >/dev/null 2>&1; exit 0`,
		os.Getpid(), l.Dir, l.Dir, l.Dir, filepath.Join(labScripts, "stop.sh"))
	cmd := exec.Command("bash", "-c", script)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setsid: true}
	if err := cmd.Start(); err != nil {
		l.t.Logf("lab watchdog: %v", err)
		return
	}
	go func() { _ = cmd.Wait() }()
}

// run runs a lab script with LAB_DIR set; it returns stdout+stderr and the exit status.
func (l *Lab) run(timeout time.Duration, env []string, script string, args ...string) (string, int) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, filepath.Join(labScripts, script), args...)
	cmd.Env = append(os.Environ(), "LAB_DIR="+l.Dir)
	cmd.Env = append(cmd.Env, env...)
	cmd.WaitDelay = 5 * time.Second
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	err := cmd.Run()
	rc := 0
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			rc = ee.ExitCode()
		} else {
			rc = -1
		}
		if ctx.Err() != nil {
			out.WriteString(fmt.Sprintf("\n[harness: %s killed after %v]", script, timeout))
			rc = -1
		}
	}
	return out.String(), rc
}

var readyRE = regexp.MustCompile(`(?m)^ready (\S+) (\S+)((?: \S+=\S*)*)\s*$`)

// Peer is a started lab peer (from its ready line).
type Peer struct {
	Name, URI string
	KV        map[string]string
	Line      string
}

// startPeer runs a lab peer script (kamailio.sh, baresip.sh, ...) and parses its ready line.
func (l *Lab) startPeer(env []string, script string, args ...string) Peer {
	l.t.Helper()
	out, rc := l.run(60*time.Second, env, script, args...)
	m := readyRE.FindStringSubmatch(out)
	if rc != 0 || m == nil {
		l.t.Fatalf("%s %v (env %v): rc=%d, no ready line:\n%s", script, args, env, rc, out)
	}
	p := Peer{Name: m[1], URI: m[2], KV: map[string]string{}, Line: m[0]}
	for _, f := range strings.Fields(m[3]) {
		if k, v, ok := strings.Cut(f, "="); ok {
			p.KV[k] = v
		}
	}
	l.t.Logf("lab: %s", m[0])
	return p
}

// stop stops named peers (stop.sh NAME...).
func (l *Lab) stop(names ...string) {
	l.t.Helper()
	out, rc := l.run(30*time.Second, nil, "stop.sh", names...)
	if rc != 0 {
		l.t.Fatalf("stop.sh %v: rc=%d %s", names, rc, out)
	}
	l.t.Logf("lab: %s", strings.TrimSpace(out))
}

// SippResult is the outcome of one sipp.sh run.
type SippResult struct {
	Scenario   string
	RC         int // SIPp's exit status (0 = all calls OK)
	Successful int // -1 when unknown
	Failed     int
	Line       string // the done line
	Out        string // all output of sipp.sh
	Screen     string // screen.log path
	Messages   string // messages.log path
}

var doneRE = regexp.MustCompile(`(?m)^done (\S+) rc=(-?\d+) successful=(\S+) failed=(\S+) log=(\S+) messages=(\S+)`)

// sipp runs `.ci/lab/sipp.sh SCENARIO TARGET` in the foreground with extra env (COUNT=..,
// TRANSPORT=t1, ...). SCENARIO is a name in .ci/lab/sipp/ or a path.
func (l *Lab) sipp(scenario, target string, env ...string) SippResult {
	l.t.Helper()
	return <-l.sippAsync(scenario, target, env...)
}

// sippAsync is sipp in a goroutine; read the result from the channel (in the test goroutine).
func (l *Lab) sippAsync(scenario, target string, env ...string) <-chan SippResult {
	l.n++
	name := fmt.Sprintf("sipp-%s-%d", filepath.Base(strings.TrimSuffix(scenario, ".xml")), l.n)
	env = append([]string{"NAME=" + name}, env...)
	ch := make(chan SippResult, 1)
	go func() {
		// sipp.sh bounds SIPp itself (-timeout, outer timeout); this is a last resort
		out, rc := l.run(10*time.Minute, env, "sipp.sh", scenario, target)
		r := SippResult{Scenario: scenario, RC: rc, Successful: -1, Failed: -1, Out: out}
		if m := doneRE.FindStringSubmatch(out); m != nil {
			r.Line = m[0]
			r.RC, _ = strconv.Atoi(m[2])
			r.Successful = atoiOr(m[3], -1)
			r.Failed = atoiOr(m[4], -1)
			r.Screen, r.Messages = m[5], m[6]
		}
		ch <- r
	}()
	return ch
}

func atoiOr(s string, def int) int {
	if n, err := strconv.Atoi(s); err == nil {
		return n
	}
	return def
}

// Responses lists the status codes SIPp received or sent, in order (from messages.log).
func (r SippResult) Responses() []int {
	data, err := os.ReadFile(r.Messages)
	if err != nil {
		return nil
	}
	var codes []int
	for _, m := range statusRE.FindAllSubmatch(data, -1) {
		n, _ := strconv.Atoi(string(m[1]))
		codes = append(codes, n)
	}
	return codes
}

// SipMsg is one SIP message from SIPp's messages.log.
type SipMsg struct {
	Sent    bool   // SIPp sent it (else received)
	First   string // request or status line
	Headers map[string]string
	Body    string
}

// Code is the status code of a response (0 for a request).
func (m SipMsg) Code() int {
	if f := strings.Fields(m.First); len(f) >= 2 && f[0] == "SIP/2.0" {
		n, _ := strconv.Atoi(f[1])
		return n
	}
	return 0
}

// Tag returns the tag parameter of a header (From/To).
func (m SipMsg) Tag(header string) string {
	v := m.Headers[strings.ToLower(header)]
	if i := strings.Index(v, ";tag="); i >= 0 {
		v = v[i+5:]
		if j := strings.IndexAny(v, ";> "); j >= 0 {
			v = v[:j]
		}
		return v
	}
	return ""
}

// SipMessages parses messages.log (first occurrence of each header; names lower-case).
func (r SippResult) SipMessages() []SipMsg {
	data, err := os.ReadFile(r.Messages)
	if err != nil {
		return nil
	}
	var msgs []SipMsg
	for _, chunk := range strings.Split(string(data), "----------------------------------------------- ")[1:] {
		lines := strings.Split(strings.ReplaceAll(chunk, "\r", ""), "\n")
		if len(lines) < 3 {
			continue
		}
		m := SipMsg{Sent: strings.Contains(lines[1], "message sent"), Headers: map[string]string{}}
		i := 2
		for i < len(lines) && strings.TrimSpace(lines[i]) == "" {
			i++
		}
		if i >= len(lines) {
			continue
		}
		m.First = strings.TrimSpace(lines[i])
		for i++; i < len(lines) && strings.TrimSpace(lines[i]) != ""; i++ {
			if k, v, ok := strings.Cut(lines[i], ":"); ok {
				k = strings.ToLower(strings.TrimSpace(k))
				if _, dup := m.Headers[k]; !dup {
					m.Headers[k] = strings.TrimSpace(v)
				}
			}
		}
		m.Body = strings.Join(lines[min(i+1, len(lines)):], "\n")
		msgs = append(msgs, m)
	}
	return msgs
}

var statusRE = regexp.MustCompile(`(?m)^\s*SIP/2\.0 (\d{3}) `)

// expectOK asserts rc=0 and successful=want failed=0, and that no 603 was seen.
func (r SippResult) expectOK(t *testing.T, want int) {
	t.Helper()
	if r.Line == "" {
		t.Errorf("sipp %s: no done line (rc=%d):\n%s", r.Scenario, r.RC, tail(r.Out, 30))
	} else if r.RC != 0 || r.Successful != want || r.Failed != 0 {
		t.Errorf("sipp %s: %s (want rc=0 successful=%d failed=0); responses %v\n%s",
			r.Scenario, r.Line, want, r.Responses(), r.errTail())
	}
	r.never(t, 603)
}

// never fails if SIPp saw any of these status codes.
func (r SippResult) never(t *testing.T, codes ...int) {
	t.Helper()
	for _, c := range r.Responses() {
		for _, bad := range codes {
			if c == bad {
				t.Errorf("sipp %s: got a %d (responses %v)", r.Scenario, c, r.Responses())
			}
		}
	}
}

func (r SippResult) errTail() string {
	if r.Messages == "" {
		return ""
	}
	b, _ := os.ReadFile(filepath.Join(filepath.Dir(r.Messages), "errors.log"))
	m, _ := os.ReadFile(r.Messages)
	return "errors.log:\n" + tail(string(b), 15) + "\nmessages.log (tail):\n" + tail(string(m), 60)
}

// baresipCtl sends one command over baresip's ctrl_tcp (baresip-ctl.sh); with waitEvent
// (e.g. "CALL_ESTABLISHED|CALL_CLOSED") it keeps reading events until one of them arrives.
func (l *Lab) baresipCtl(ctrlPort, cmd, waitEvent string, timeout time.Duration) (string, int) {
	env := []string{fmt.Sprintf("CTL_TIMEOUT=%d", int(timeout.Seconds()))}
	if waitEvent != "" {
		env = append(env, "CTL_WAIT_EVENT="+waitEvent)
	}
	out, rc := l.run(timeout+10*time.Second, env, "baresip-ctl.sh", ctrlPort, cmd)
	l.t.Logf("baresip-ctl %s %q -> rc=%d %s", ctrlPort, cmd, rc, oneLine(out, 600))
	return out, rc
}

// baresipCtlAsync runs baresipCtl in a goroutine.
func (l *Lab) baresipCtlAsync(ctrlPort, cmd, waitEvent string, timeout time.Duration) <-chan ctlResult {
	ch := make(chan ctlResult, 1)
	go func() {
		env := []string{fmt.Sprintf("CTL_TIMEOUT=%d", int(timeout.Seconds()))}
		if waitEvent != "" {
			env = append(env, "CTL_WAIT_EVENT="+waitEvent)
		}
		out, rc := l.run(timeout+10*time.Second, env, "baresip-ctl.sh", ctrlPort, cmd)
		ch <- ctlResult{out, rc}
	}()
	return ch
}

type ctlResult struct {
	Out string
	RC  int
}

func oneLine(s string, max int) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > max {
		s = s[:max] + "..."
	}
	return s
}

// wavcheck runs .ci/lab/wavcheck.sh FILE HZ; ok=true when the tone is there.
func (l *Lab) wavcheck(file string, hz int) (string, bool) {
	out, rc := l.run(30*time.Second, nil, "wavcheck.sh", file, strconv.Itoa(hz))
	return strings.TrimSpace(out), rc == 0
}

// wavcheckTrimmed is wavcheck on a copy without leading/trailing silence: a file device may
// record from the moment it is opened, not only while the call's audio flows.
func (l *Lab) wavcheckTrimmed(file string, hz int) (string, bool) {
	trimmed := strings.TrimSuffix(file, ".wav") + "-trimmed.wav"
	out, err := exec.Command("sox", file, trimmed, "silence", "1", "0.05", "1%", "reverse",
		"silence", "1", "0.05", "1%", "reverse").CombinedOutput()
	if err != nil {
		return fmt.Sprintf("sox trim %s: %v %s", file, err, out), false
	}
	return l.wavcheck(trimmed, hz)
}

// dumpLogs prints the tails of the lab's peer logs (on failure).
func (l *Lab) dumpLogs() {
	logs, _ := filepath.Glob(filepath.Join(l.Dir, "*.log"))
	for _, f := range logs {
		b, err := os.ReadFile(f)
		if err != nil || len(b) == 0 {
			continue
		}
		l.t.Logf("lab log %s (tail):\n%s", filepath.Base(f), tail(string(b), 25))
	}
}

// waitFileContains polls a (log) file until it contains substr (bounded).
func waitFileContains(path, substr string, timeout time.Duration) error {
	deadline := time.Now().Add(timeout)
	for {
		b, err := os.ReadFile(path)
		if err == nil && bytes.Contains(b, []byte(substr)) {
			return nil
		}
		if time.Now().After(deadline) {
			if err != nil {
				return err
			}
			return fmt.Errorf("%q not in %s after %v", substr, path, timeout)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// makeTone writes an 8 kHz 16-bit mono sine WAV with sox.
func makeTone(t *testing.T, path string, hz, seconds int) {
	t.Helper()
	out, err := exec.Command("sox", "-n", "-r", "8000", "-c", "1", "-b", "16", path,
		"synth", strconv.Itoa(seconds), "sine", strconv.Itoa(hz), "vol", "0.5").CombinedOutput()
	if err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
}

// writeFile writes a file under dir and returns its path.
func writeFile(t *testing.T, dir, name, content string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(content), 0o600); err != nil {
		t.Fatal(err)
	}
	return p
}
