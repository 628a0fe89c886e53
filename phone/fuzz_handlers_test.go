package phone

import (
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emiago/sipgo/sip"
)

// FuzzHandlers parses each input with sipgo (as its transport does), keeps what sipgo's
// transaction layer would pass on (a request with Via and CSeq), and hands it to the running
// phone's own handlers (the same guard-wrapped functions Start registers) with a fake server
// transaction. No input may panic, hang a handler, or get more than one final response; a
// request that is not dropped (rate limit off here) and not an ACK gets exactly one, except an
// INVITE still ringing when its transaction ends (nothing can be sent then).
func FuzzHandlers(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(wireSeed(s))
	}
	tp := startPhone(f, "alice", "rate_limit = 0\nmax_calls = 4")
	p := tp.Phone
	handlers := map[sip.RequestMethod]func(*sip.Request, sip.ServerTransaction){
		sip.INVITE: p.guard(p.onInvite), sip.ACK: p.guard(p.onAck), sip.BYE: p.guard(p.onBye),
		sip.CANCEL: p.guard(p.onCancel), sip.OPTIONS: p.guard(p.onOptions), sip.INFO: p.guard(p.onInfo),
		sip.NOTIFY: p.guard(p.onNotify), sip.REFER: p.guard(p.onRefer), sip.UPDATE: p.guard(p.onUpdate),
		sip.PRACK: p.guard(p.onPrack), sip.MESSAGE: p.guard(p.onNoDialog),
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		msg, err := sip.ParseMessage(data)
		if err != nil {
			return
		}
		req, ok := msg.(*sip.Request)
		if !ok {
			return
		}
		if _, err := sip.ServerTxKeyMake(req); err != nil {
			return // sipgo answers 400 itself and never calls a handler
		}
		req.SetSource("127.0.0.1:5999")
		req.SetTransport("UDP")
		h, ok := handlers[req.Method]
		if !ok {
			h = p.guard(p.onNoRoute)
		}
		var tx *fakeTx
		var stx sip.ServerTransaction
		if !req.IsAck() {
			tx = newFakeTx(req)
			stx = tx
		}
		done := make(chan struct{})
		go func() {
			defer close(done)
			h(req, stx)
		}()
		var parked <-chan struct{}
		if tx != nil {
			parked = tx.ringing
		}
		select {
		case <-done:
		case <-parked:
		case <-time.After(300 * time.Millisecond):
		}
		select {
		case <-done:
		default:
			// parked (ringing, or waiting for an ACK/PRACK): end the transaction as its timers would
			if tx != nil {
				tx.Terminate()
			}
			select {
			case <-done:
			case <-time.After(5 * time.Second):
				t.Fatalf("the %s handler did not return 5 s after its transaction ended:\n%s", req.Method, data)
			}
		}
		if tx == nil {
			return
		}
		finals, ringing := tx.counts()
		switch {
		case finals > 1:
			t.Fatalf("%d final responses to one %s:\n%s", finals, req.Method, data)
		case finals == 0 && !(req.Method == sip.INVITE && ringing && tx.terminatedByTest()):
			t.Fatalf("no final response to %s:\n%s", req.Method, data)
		}
	})
}

// fakeTx is a server transaction that records responses instead of sending them.
type fakeTx struct {
	req *sip.Request

	mu          sync.Mutex
	codes       []int
	done        chan struct{}
	ringing     chan struct{} // closed at the first 18x: the handler parks for a decision
	terminated  bool
	byTest      bool
	onTerminate []sip.FnTxTerminate
}

func newFakeTx(req *sip.Request) *fakeTx {
	return &fakeTx{req: req, done: make(chan struct{}), ringing: make(chan struct{})}
}

func (tx *fakeTx) Respond(res *sip.Response) error {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.terminated {
		return fmt.Errorf("transaction terminated")
	}
	tx.codes = append(tx.codes, res.StatusCode)
	if res.StatusCode >= 180 && res.StatusCode < 200 && len(tx.codes) > 0 {
		select {
		case <-tx.ringing:
		default:
			close(tx.ringing)
		}
	}
	return nil
}

func (tx *fakeTx) Acks() <-chan *sip.Request    { return nil }
func (tx *fakeTx) OnCancel(sip.FnTxCancel) bool { return true }
func (tx *fakeTx) Done() <-chan struct{}        { return tx.done }
func (tx *fakeTx) Err() error                   { return sip.ErrTransactionTerminated }
func (tx *fakeTx) OnTerminate(f sip.FnTxTerminate) bool {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	if tx.terminated {
		return false
	}
	tx.onTerminate = append(tx.onTerminate, f)
	return true
}

// Terminate ends the transaction once; from the test it marks "ended while parked".
func (tx *fakeTx) Terminate() {
	tx.mu.Lock()
	if tx.terminated {
		tx.mu.Unlock()
		return
	}
	tx.terminated = true
	tx.byTest = true
	fns := tx.onTerminate
	tx.mu.Unlock()
	close(tx.done)
	for _, f := range fns {
		f("fuzz", sip.ErrTransactionTerminated)
	}
}

func (tx *fakeTx) terminatedByTest() bool {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	return tx.byTest
}

// counts: final responses, and whether a provisional one went out first.
func (tx *fakeTx) counts() (finals int, provisional bool) {
	tx.mu.Lock()
	defer tx.mu.Unlock()
	for _, c := range tx.codes {
		if c >= 200 {
			finals++
		} else {
			provisional = true
		}
	}
	return finals, provisional
}

// wireSeed turns a seed written with LF into the wire form: CRLF, and a Content-Length that
// counts the body as sent.
func wireSeed(s string) []byte {
	head, body, _ := strings.Cut(s, "\n\n")
	body = strings.ReplaceAll(body, "\n", "\r\n")
	var lines []string
	for _, l := range strings.Split(head, "\n") {
		if strings.HasPrefix(l, "Content-Length:") {
			l = fmt.Sprintf("Content-Length: %d", len(body))
		}
		lines = append(lines, l)
	}
	return []byte(strings.Join(lines, "\r\n") + "\r\n\r\n" + body)
}
