package phone

import (
	"bufio"
	"fmt"
	"io"
	"regexp"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
)

// tracer receives every SIP message from sipgo's transport goroutines (sipgo's tracer hook is
// global to the package). It only copies the message into a queue; one goroutine writes the
// trace file and publishes EventSIP, so the transport never waits on a disk or a subscriber.
type tracer struct {
	p      *Phone
	out    io.Writer
	events bool

	q     *queue[traceMsg]
	done  chan struct{}
	calls *traceCalls // Call-ID -> call, on the run goroutine only
}

type traceMsg struct {
	t            time.Time
	out          bool
	transport    string
	laddr, raddr string
	text         string // the message as sent or received: one copy, reused by emit and the capture
}

func newTracer(p *Phone, out io.Writer, events bool) *tracer {
	return &tracer{p: p, out: out, events: events, q: newQueue[traceMsg](), done: make(chan struct{}), calls: newTraceCalls()}
}

func (t *tracer) start() {
	sip.SIPDebug = true
	sip.SIPDebugTracer(t)
	go t.run()
}

// stop flushes what is queued; later messages are dropped. sipgo's SIPDebug switch stays on:
// its transport goroutines read it without synchronisation, so it is only set before they run.
func (t *tracer) stop() {
	t.q.close()
	<-t.done
}

func (t *tracer) SIPTraceRead(transport, laddr, raddr string, msg []byte) {
	t.add(traceMsg{t: time.Now(), transport: transport, laddr: laddr, raddr: raddr, text: string(msg)})
}

func (t *tracer) SIPTraceWrite(transport, laddr, raddr string, msg []byte) {
	t.add(traceMsg{t: time.Now(), out: true, transport: transport, laddr: laddr, raddr: raddr, text: string(msg)})
}

func (t *tracer) add(m traceMsg) { t.q.push(m) }

func (t *tracer) run() {
	defer close(t.done)
	var w *bufio.Writer
	if t.out != nil {
		w = bufio.NewWriter(t.out)
	}
	for {
		closed := t.q.isClosed() // before take: then take sees everything pushed before close
		for _, m := range t.q.take() {
			t.emit(w, m)
		}
		if w != nil {
			w.Flush()
		}
		if closed {
			return
		}
		<-t.q.wake
	}
}

func (t *tracer) emit(w *bufio.Writer, m traceMsg) {
	text := MaskSecrets(m.text)
	m.transport = traceTransport(m.transport, text)
	arrow := "<-"
	if m.out {
		arrow = "->"
	}
	if w != nil {
		fmt.Fprintf(w, "=== %s %s %s %s %s (%d bytes)\n%s\n", m.t.Format("2006-01-02 15:04:05.000000"),
			m.transport, m.laddr, arrow, m.raddr, len(m.text), text)
	}
	e := EventSIP{
		Time: m.t, Out: m.out,
		Local: m.transport + ":" + m.laddr, Remote: m.transport + ":" + m.raddr,
		Summary: firstLine(text), Raw: text,
	}
	sipID := headerValue(text, "Call-ID", "i")
	id, held := t.calls.resolve(sipID, t.p.ourCallID(sipID), e)
	e.CallID = id
	for _, h := range append(held, e) {
		t.p.captureSIP(h)
		if t.events {
			t.p.publish(h)
		}
	}
}

var (
	secretRe = regexp.MustCompile(`(?i)(\b(?:response|password)\s*=\s*)("[^"]*"|[^,\s]+)`)
	// SDES keys (RFC 4568): "inline:" then base64 key||salt, up to an optional |lifetime|MKI.
	srtpKeyRe = regexp.MustCompile(`(?i)(\binline:)[^|\s;]*`)
)

// MaskSecrets hides digest responses (and anything called password) and SRTP keys (a=crypto
// inline:) in a SIP message, so no trace or log can be used to recover a password or a key.
func MaskSecrets(msg string) string {
	if !mayHoldSecret(msg) {
		return msg // most messages: no regexp pass (trace_mask.go)
	}
	msg = secretRe.ReplaceAllString(msg, `${1}"***"`)
	return srtpKeyRe.ReplaceAllString(msg, `${1}***`)
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// headerValue finds a header's value in raw SIP text (long or compact name). It walks the lines
// in place: a strings.Split of every traced message was 2 % of all bytes allocated at load.
func headerValue(msg, long, short string) string {
	for len(msg) > 0 {
		line, rest, _ := strings.Cut(msg, "\n")
		msg = rest
		line = strings.TrimRight(line, "\r")
		if line == "" {
			return "" // end of headers
		}
		name, value, ok := strings.Cut(line, ":")
		name = strings.TrimSpace(name)
		if ok && (strings.EqualFold(name, long) || strings.EqualFold(name, short)) {
			return strings.TrimSpace(value)
		}
	}
	return ""
}
