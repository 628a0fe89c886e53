package phone

import (
	"context"
	"fmt"
	"os"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/sipterm/sipterm/phone/config"
)

// These tests run two real Phones (each with its own sipgo stack, RTP and the null device) on
// loopback and call one from the other: the call state machine end to end, with -race.

type testPhone struct {
	*Phone
	sub  *Subscription
	uri  string
	mu   sync.Mutex
	seen []Event
}

func startPhone(t testing.TB, name string, extra string) *testPhone {
	t.Helper()
	return startPhoneWith(t, name, extra, Options{})
}

// startPhoneWith starts a phone on a free loopback port with one account called name; extra is
// more top-level config, opts the options (its Config is filled in here).
func startPhoneWith(t testing.TB, name string, extra string, opts Options) *testPhone {
	t.Helper()
	return startPhoneCtx(t, context.Background(), name, extra, opts)
}

// startPhoneCtx is startPhoneWith with the context given to Start.
func startPhoneCtx(t testing.TB, ctx context.Context, name string, extra string, opts Options) *testPhone {
	t.Helper()
	text := fmt.Sprintf("listen = \"127.0.0.1:0\"\naudio = \"null\"\nrtp_timeout = \"0s\"\n%s\n[[accounts]]\nname = %q\naor = \"sip:%s@127.0.0.1\"\n", extra, name, name)
	cfg, err := config.Parse(name+".toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	opts.Config = cfg
	p, err := New(opts)
	if err != nil {
		t.Fatal(err)
	}
	tp := &testPhone{Phone: p, sub: p.Subscribe()}
	if err := p.Start(ctx); err != nil {
		t.Fatal(err)
	}
	tp.uri = fmt.Sprintf("sip:%s@127.0.0.1:%d", name, p.port)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p.Close(ctx)
	})
	return tp
}

// wait returns the first event (seen before or arriving within 10 s) that matches.
func (tp *testPhone) wait(t *testing.T, what string, match func(Event) bool) Event {
	t.Helper()
	tp.mu.Lock()
	for _, e := range tp.seen {
		if match(e) {
			tp.mu.Unlock()
			return e
		}
	}
	tp.mu.Unlock()
	deadline := time.After(10 * time.Second)
	for {
		select {
		case e, ok := <-tp.sub.C():
			if !ok {
				t.Fatalf("subscription closed while waiting for %s", what)
			}
			tp.mu.Lock()
			tp.seen = append(tp.seen, e)
			tp.mu.Unlock()
			if match(e) {
				return e
			}
		case <-deadline:
			t.Fatalf("no %s within 10 s; seen: %v", what, tp.seen)
		}
	}
}

func (tp *testPhone) waitCall(t *testing.T, state CallState) CallInfo {
	t.Helper()
	e := tp.wait(t, "call "+string(state), func(e Event) bool {
		c, ok := e.(EventCall)
		return ok && c.Call.State == state
	})
	return e.(EventCall).Call
}

func (tp *testPhone) assertEmpty(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		if len(tp.Calls()) == 0 {
			return
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("calls left in the registry: %+v", tp.Calls())
}

// TestAnswerLaterUnderGC is the founding bug: an incoming call answered seconds later from
// another goroutine, with the collector running all the time, must be answered (200), never
// declined or dropped.
func TestAnswerLaterUnderGC(t *testing.T) {
	a, b := startPhone(t, "alice", ""), startPhone(t, "bob", "")
	stopGC := make(chan struct{})
	defer close(stopGC)
	go func() {
		for {
			select {
			case <-stopGC:
				return
			default:
				runtime.GC()
				time.Sleep(time.Millisecond)
			}
		}
	}()
	if _, err := a.Dial("", b.uri); err != nil {
		t.Fatal(err)
	}
	in := b.waitCall(t, StateIncoming)
	a.waitCall(t, StateRinging)
	if in.Direction != DirIn || !strings.Contains(in.Remote, "alice") {
		t.Fatalf("incoming call %+v", in)
	}
	time.Sleep(2 * time.Second)
	answered := make(chan error, 1)
	go func() { answered <- b.Answer(in.ID) }()
	if err := <-answered; err != nil {
		t.Fatal(err)
	}
	out := a.waitCall(t, StateEstablished)
	b.waitCall(t, StateEstablished)
	if out.Code != 200 || out.Codec != "opus" {
		t.Fatalf("caller's call %+v", out)
	}
	a.wait(t, "media", func(e Event) bool { m, ok := e.(EventMedia); return ok && m.Codec == "opus" })
	if err := b.Answer(in.ID); err == nil || !strings.Contains(err.Error(), "is established: cannot answer") {
		t.Fatalf("second answer: %v", err)
	}
	if err := a.Hangup(""); err != nil {
		t.Fatal(err)
	}
	end := b.waitCall(t, StateTerminated)
	if end.Reason != "remote BYE" || end.Code != 200 {
		t.Fatalf("callee's end %+v", end)
	}
	if mine := a.waitCall(t, StateTerminated); mine.Reason != "local hangup" {
		t.Fatalf("caller's end %+v", mine)
	}
	a.assertEmpty(t)
	b.assertEmpty(t)
}

func TestRejectWithCode(t *testing.T) {
	a, b := startPhone(t, "alice", ""), startPhone(t, "bob", "")
	for _, code := range []int{486, 603, 480} {
		if _, err := a.Dial("", b.uri); err != nil {
			t.Fatal(err)
		}
		in := b.waitCall(t, StateIncoming)
		if err := b.Reject(in.ID, code); err != nil {
			t.Fatal(err)
		}
		got := a.wait(t, fmt.Sprintf("terminated %d", code), func(e Event) bool {
			c, ok := e.(EventCall)
			return ok && c.Call.State == StateTerminated && c.Call.Code == code
		}).(EventCall).Call
		if !strings.HasPrefix(got.Reason, fmt.Sprint(code)) {
			t.Fatalf("reason %q", got.Reason)
		}
		b.assertEmpty(t)
		a.assertEmpty(t)
		a.seen, b.seen = nil, nil
	}
}

func TestCancelWhileRinging(t *testing.T) {
	a, b := startPhone(t, "alice", ""), startPhone(t, "bob", "")
	id, err := a.Dial("", b.uri)
	if err != nil {
		t.Fatal(err)
	}
	b.waitCall(t, StateIncoming)
	a.waitCall(t, StateRinging)
	if err := a.Hangup(id); err != nil {
		t.Fatal(err)
	}
	if got := b.waitCall(t, StateTerminated); got.Code != 487 || got.Reason != "cancelled by caller" {
		t.Fatalf("callee %+v", got)
	}
	if got := a.waitCall(t, StateTerminated); got.Code != 487 {
		t.Fatalf("caller %+v", got)
	}
	a.assertEmpty(t)
	b.assertEmpty(t)
}

func TestAutoAnswerHoldResumeDTMF(t *testing.T) {
	a, b := startPhone(t, "alice", ""), startPhone(t, "bob", "auto_answer = \"500ms\"")
	if _, err := a.Dial("", b.uri); err != nil {
		t.Fatal(err)
	}
	b.waitCall(t, StateIncoming)
	a.waitCall(t, StateEstablished)
	if err := a.Hold(""); err != nil {
		t.Fatal(err)
	}
	if got := a.waitCall(t, StateHeld); !got.Held {
		t.Fatalf("holder %+v", got)
	}
	if got := b.waitCall(t, StateHeld); !got.RemoteHeld {
		t.Fatalf("held party %+v", got)
	}
	if err := a.Hold(""); err == nil {
		t.Fatal("hold of a held call: want an error")
	}
	if err := a.Resume(""); err != nil {
		t.Fatal(err)
	}
	a.wait(t, "resumed", func(e Event) bool {
		c, ok := e.(EventCall)
		return ok && c.Call.State == StateEstablished && c.Call.Reason == "resumed"
	})
	b.wait(t, "resumed by peer", func(e Event) bool {
		c, ok := e.(EventCall)
		return ok && c.Call.State == StateEstablished && c.Call.Reason == "resumed by peer"
	})
	if err := a.SendDTMF("", "15#"); err != nil {
		t.Fatal(err)
	}
	var digits []string
	for _, want := range []string{"1", "5", "#"} {
		e := b.wait(t, "dtmf "+want, func(e Event) bool { d, ok := e.(EventDTMF); return ok && d.Digit == want })
		digits = append(digits, e.(EventDTMF).Digit)
	}
	if strings.Join(digits, "") != "15#" {
		t.Fatalf("digits %v", digits)
	}
	if err := b.Hangup(""); err != nil {
		t.Fatal(err)
	}
	if got := a.waitCall(t, StateTerminated); got.Reason != "remote BYE" {
		t.Fatalf("caller %+v", got)
	}
	a.assertEmpty(t)
	b.assertEmpty(t)
}

func TestCommandErrors(t *testing.T) {
	a := startPhone(t, "alice", "")
	tests := []struct {
		name string
		err  error
		want string
	}{
		{"answer unknown", a.Answer("c99"), "no call c99"},
		{"answer none", a.Answer(""), "no call to answer"},
		{"hangup none", a.Hangup(""), "no call to hang up"},
		{"reject bad code", a.Reject("", 200), "want 300..699"},
		{"dtmf none", a.SendDTMF("", "1"), "no call to send DTMF"},
		{"dial nothing", func() error { _, err := a.Dial("", " "); return err }(), "nothing to dial"},
		{"dial bad account", func() error { _, err := a.Dial("nobody", "x"); return err }(), `no account "nobody"`},
	}
	for _, tt := range tests {
		if tt.err == nil || !strings.Contains(tt.err.Error(), tt.want) {
			t.Errorf("%s: err = %v, want %q", tt.name, tt.err, tt.want)
		}
	}
}

func TestEchoCall(t *testing.T) {
	a := startPhone(t, "alice", "")
	id, err := a.Dial("", "echo")
	if err != nil {
		t.Fatal(err)
	}
	a.waitCall(t, StateEstablished)
	deadline := time.Now().Add(15 * time.Second)
	for {
		calls := a.Calls()
		if len(calls) == 1 && calls[0].Stats.PacketsReceived > 10 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("echo sent nothing back: %+v", calls)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if err := a.Hangup(id); err != nil {
		t.Fatal(err)
	}
	a.waitCall(t, StateTerminated)
	a.assertEmpty(t)
}

func TestMaskSecrets(t *testing.T) {
	in := "REGISTER sip:x SIP/2.0\r\nAuthorization: Digest username=\"alice\", realm=\"r\", nonce=\"n\", uri=\"sip:x\", response=\"0123456789abcdef\", qop=auth\r\n"
	out := MaskSecrets(in)
	if strings.Contains(out, "0123456789abcdef") || !strings.Contains(out, `response="***"`) || !strings.Contains(out, `username="alice"`) {
		t.Fatalf("masked: %q", out)
	}
}

func TestHistorySurvivesRestart(t *testing.T) {
	path := t.TempDir() + "/history.jsonl"
	// an earlier run's file, with a line that a crash cut short
	if err := os.WriteFile(path, []byte(`{"id":"c1","direction":"out","remote":"sip:x@y","ended":"2026-01-02T03:04:05Z","code":486,"reason":"486 Busy Here"}`+"\n"+`{"id":"c2","dir`), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Parse("h.toml", []byte("listen = \"127.0.0.1:0\"\n[[accounts]]\naor = \"sip:h@127.0.0.1\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	p, err := New(Options{Config: cfg, HistoryFile: path})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer p.Close(context.Background())
	if h := p.History(); len(h) != 1 || h[0].Code != 486 {
		t.Fatalf("loaded history %+v", h)
	}
	id, err := p.Dial("", "echo")
	if err != nil {
		t.Fatal(err)
	}
	if err := p.Hangup(id); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(15 * time.Second)
	for len(p.History()) < 2 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	b, _ := os.ReadFile(path)
	if h := p.History(); len(h) != 2 || h[1].Remote != "echo" {
		t.Fatalf("history after a call %+v\nfile:\n%s", h, b)
	}
	again, bad, err := loadHistory(path) // what the next run will see
	if err != nil || bad != 1 || len(again.list()) != 2 || again.list()[1].Remote != "echo" {
		t.Fatalf("reloaded: %+v, %d bad lines, %v\nfile:\n%s", again.list(), bad, err, b)
	}
}
