package ui

import (
	"context"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/gdamore/tcell/v2"
	"github.com/rivo/tview"

	"github.com/sipterm/sipterm/phone"
)

// Core is what the front end needs from the phone. *phone.Phone satisfies it.
//
// Commands that touch the network return once the request is sent; progress arrives as events.
// The UI calls commands from short-lived goroutines, never from the tview event goroutine.
type Core interface {
	Subscribe() *phone.Subscription
	Dial(account, target string) (id string, err error)
	Answer(id string) error
	Reject(id string, code int) error
	Hangup(id string) error
	Hold(id string) error
	Resume(id string) error
	Mute(id string, on bool) error
	SendDTMF(id, digits string) error
	Transfer(id, target string) error
	Attended(id, id2 string) error
	AnswerTransfer(id string, accept bool) error
	Calls() []phone.CallInfo
	Accounts() []phone.AccountInfo
	Listen() []string
	AudioDevice() string
	// History is the ended calls, oldest first, those of earlier runs too. Read once, at start.
	History() []phone.HistoryEntry
}

// eventSource is an unexported test seam: a core that has it is read through it instead of
// Subscribe, because a *phone.Subscription cannot be built outside package phone.
type eventSource interface {
	eventStream() (events <-chan phone.Event, closeFn func())
}

// Options configure the front end.
type Options struct {
	// Theme is "default", "mono" or "solarized"; unknown names make Run fail.
	Theme string
	// NoColor forces the mono theme. The NO_COLOR environment variable does the same.
	NoColor bool
	// Title is shown at the left of the status bar; "" means "sipterm".
	Title string
	// LogLines bounds the Log pane's scrollback; 0 means 5000.
	LogLines int
	// DialHistoryFile keeps the dialled targets, one per line, across restarts ("" keeps them in
	// memory only). Its last 100 lines are loaded by New; a dialled target is appended at once.
	// An unreadable file is reported in the Log pane, never fatal.
	DialHistoryFile string
}

// UI is the terminal front end. Build it with New or NewWithScreen, then call Run once.
type UI struct {
	core   Core
	opts   Options
	app    *tview.Application
	screen tcell.Screen
	th     theme
	thErr  error

	// Set before Run only (tests inject a fixed clock and zone).
	now func() time.Time
	loc *time.Location
	// pumpGrace bounds how long Run waits for the pump once tview has stopped (tests lift it, so
	// that Run returning proves the pump ended).
	pumpGrace time.Duration

	logs     *logBuffer
	stopReq  chan struct{} // buffered 1: asks the pump to stop the application
	dialHist *dialHistory  // appends dialled targets to Options.DialHistoryFile

	// Everything below is owned by the tview event goroutine.
	st       *state
	v        *views
	flash    bool      // incoming-call flash phase
	lastBell time.Time // when the bell last rang
}

// New builds the front end on the terminal (the screen is created by Run).
func New(core Core, opts Options) *UI { return NewWithScreen(core, opts, nil) }

// NewWithScreen builds the front end on a given screen (nil: the terminal, created by Run). Tests
// pass a tcell simulation screen; set its size after this call (installing the screen resets it).
func NewWithScreen(core Core, opts Options, screen tcell.Screen) *UI {
	if opts.LogLines <= 0 {
		opts.LogLines = 5000
	}
	if os.Getenv("NO_COLOR") != "" {
		opts.NoColor = true
	}
	th, err := pickTheme(opts.Theme, opts.NoColor)
	if err != nil {
		th, _ = pickTheme("mono", true)
	}
	u := &UI{
		core:    core,
		opts:    opts,
		app:     tview.NewApplication(),
		th:      th,
		thErr:   err,
		now:     time.Now,
		loc:     time.Local,
		logs:    newLogBuffer(opts.LogLines),
		stopReq: make(chan struct{}, 1),
		st:      newState(),
	}
	u.pumpGrace = 2 * time.Second
	u.dialHist = &dialHistory{path: opts.DialHistoryFile, logs: u.logs, now: func() time.Time { return u.now() }}
	if opts.DialHistoryFile != "" {
		lines, warnings := loadDialHistory(opts.DialHistoryFile)
		u.st.history = lines
		for _, w := range warnings {
			u.logs.add(levelWarn, w, time.Now())
		}
	}
	u.build()
	if screen != nil {
		u.screen = screen
		u.app.SetScreen(screen)
		u.app.EnableMouse(true).EnablePaste(true) // a paste goes to the input line, never becomes keys
	}
	return u
}

// LogWriter returns a writer whose lines go to the Log pane. It is safe from any goroutine and
// never blocks on the UI; the scrollback is bounded.
func (u *UI) LogWriter() io.Writer { return u.logs }

// Run shows the front end and blocks until the user quits (q) or ctx is cancelled, or the core's
// subscription ends. It returns nil then. It calls no core command on the way out: the caller
// closes the phone, which hangs up and unregisters.
func (u *UI) Run(ctx context.Context) error {
	if u.thErr != nil {
		return u.thErr
	}
	if u.screen == nil {
		s, err := tcell.NewScreen()
		if err != nil {
			return fmt.Errorf("ui: terminal: %w", err)
		}
		u.screen = s
		u.app.SetScreen(s)                        // runs Init
		u.app.EnableMouse(true).EnablePaste(true) // a paste goes to the input line, never becomes keys
	}
	var events <-chan phone.Event
	var closeEvents func()
	if es, ok := u.core.(eventSource); ok {
		events, closeEvents = es.eventStream()
	} else {
		sub := u.core.Subscribe()
		events, closeEvents = sub.C(), sub.Close
	}
	defer closeEvents()

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pumpDone := make(chan struct{})
	go u.pump(ctx, events, pumpDone)
	err := u.app.Run()
	cancel()
	// The pump normally is the one that stopped the app. If tview stopped on its own (a terminal
	// error) while the pump sat in QueueUpdateDraw, that call never returns: do not wait forever.
	select {
	case <-pumpDone:
	case <-time.After(u.pumpGrace):
	}
	u.dialHist.wait(2 * time.Second) // the last dialled target reaches the file
	return err
}

// requestStop asks the pump to stop the application. Safe from any goroutine; never blocks.
func (u *UI) requestStop() {
	select {
	case u.stopReq <- struct{}{}:
	default:
	}
}

// maxBatch bounds how many events one QueueUpdateDraw applies, so a flood cannot starve keys.
const maxBatch = 256

// pump is the one goroutine that feeds the event loop. See the package doc.
func (u *UI) pump(ctx context.Context, events <-chan phone.Event, done chan<- struct{}) {
	defer close(done)
	defer u.restoreOnPanic()
	snap := u.snapshot()
	u.app.QueueUpdateDraw(func() { u.applySnapshot(snap) })
	tick := time.NewTicker(500 * time.Millisecond)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			u.app.Stop()
			return
		case <-u.stopReq:
			u.app.Stop()
			return
		case ev, ok := <-events:
			if !ok {
				u.app.Stop()
				return
			}
			batch := []phone.Event{ev}
		more:
			for len(batch) < maxBatch {
				select {
				case ev, ok := <-events:
					if !ok {
						break more
					}
					batch = append(batch, ev)
				default:
					break more
				}
			}
			u.app.QueueUpdateDraw(func() { u.applyEvents(batch) })
		case <-tick.C:
			// Level meters and RTP figures change all the time; events bring them only every
			// few seconds, so the tick reads them (here, off the event loop).
			live := u.core.Calls()
			u.app.QueueUpdateDraw(func() { u.refreshStats(live); u.onTick() })
		case <-u.logs.wake:
			u.app.QueueUpdateDraw(u.refreshLog)
		}
	}
}

// coreSnapshot is the core's state read by the pump at start.
type coreSnapshot struct {
	calls    []phone.CallInfo
	accounts []phone.AccountInfo
	listen   []string
	audio    string
	history  []phone.HistoryEntry
}

func (u *UI) snapshot() coreSnapshot {
	return coreSnapshot{
		history:  u.core.History(),
		calls:    u.core.Calls(),
		accounts: u.core.Accounts(),
		listen:   u.core.Listen(),
		audio:    u.core.AudioDevice(),
	}
}

// run executes a core command off the event goroutine and logs a failure.
func (u *UI) run(what string, f func() error) {
	go func() {
		defer u.restoreOnPanic()
		if err := f(); err != nil {
			u.logs.add(levelError, fmt.Sprintf("%s: %v", what, err), u.now())
		}
	}()
}

// restoreOnPanic, deferred first thing in every goroutine the UI starts, gives the terminal back
// before a panic is printed (tview does the same for its own event loop). It finalises the screen
// itself rather than calling app.Stop: Stop would let Run return nil while the panic is still
// unwinding, and the caller could exit 0 before the panic is printed; a Stop before tview's Run
// started would even make Run open a fresh terminal. Run stays blocked until the panic ends the process.
func (u *UI) restoreOnPanic() {
	if p := recover(); p != nil {
		u.screen.Fini()
		panic(p)
	}
}
