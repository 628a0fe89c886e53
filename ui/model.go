package ui

import (
	"fmt"
	"sort"
	"time"

	"github.com/sipterm/sipterm/phone"
)

// Bounds on what the UI remembers.
const (
	maxEndedCalls = 20   // terminated calls kept in the Calls pane
	maxLadder     = 1000 // SIP messages kept per call
)

// callEntry is what the UI knows of one call.
type callEntry struct {
	info phone.CallInfo
	dtmf string // digits received
	sent string // digits we sent
	rung bool   // the bell has rung for it
	// hist marks a call of the core's history read at start (an earlier run, most likely). Its
	// key in state.calls is "history/N" and its info.ID is when it happened ("11:58", "Jan 02"),
	// since the core's ids start again at each run.
	hist    bool
	histSeq int
	diag    []string // the media-path doctor's findings
	q       qualityState
}

// historyKey is the state.calls key of the n-th history entry.
func historyKey(n int) string { return fmt.Sprintf("history/%d", n) }

// state is the UI's model. Only the event goroutine touches it.
type state struct {
	calls    map[string]*callEntry
	order    []string // call ids, oldest first
	ladders  map[string][]phone.EventSIP
	accounts []phone.AccountInfo
	listen   []string
	audio    string

	selected   string // selected call id
	wantSelect string // select this call once it appears (after a dial)

	logSeq         uint64
	logFilter      string
	logFilterShown string
	flash          logLine

	history      []string // command line history, oldest first
	histPos      int
	mode         inputMode
	filterBefore string // the log filter when the filter line opened (Esc restores it)
	suggested    bool   // the input line holds a suggestion (a redial): the first key typed replaces it
	xfer         xferUI // transfers (ui/transfer.go)

	dnd bool // do-not-disturb is on (timers.go)
}

func newState() *state {
	return &state{calls: map[string]*callEntry{}, ladders: map[string][]phone.EventSIP{}}
}

// applySnapshot installs the core's state read at start (event goroutine).
func (u *UI) applySnapshot(s coreSnapshot) {
	u.st.listen = s.listen
	u.st.audio = s.audio
	u.st.dnd = u.dndState()
	for _, a := range s.accounts {
		u.upsertAccount(a)
	}
	u.addHistory(s.history, s.calls)
	for _, c := range s.calls {
		u.upsertCall(c)
	}
	if u.st.selected == "" && len(u.st.order) > 0 {
		u.st.selected = u.st.order[len(u.st.order)-1] // the latest earlier call: Enter redials it
	}
	u.renderAll()
}

// addHistory puts the most recent ended calls of the core's history into the Calls pane, before
// the calls of this run (and not those the core still lists itself).
func (u *UI) addHistory(hist []phone.HistoryEntry, calls []phone.CallInfo) {
	type callKey struct {
		id      string
		created int64
	}
	listed := map[callKey]bool{}
	for _, c := range calls {
		listed[callKey{c.ID, c.Created.UnixNano()}] = true
	}
	var keep []phone.HistoryEntry
	for _, e := range hist {
		if !listed[callKey{e.ID, e.Created.UnixNano()}] {
			keep = append(keep, e)
		}
	}
	if len(keep) > maxEndedCalls {
		keep = keep[len(keep)-maxEndedCalls:]
	}
	if len(keep) == 0 {
		return
	}
	now := u.now().In(u.loc)
	for i, e := range keep {
		key := historyKey(i)
		u.st.calls[key] = &callEntry{hist: true, histSeq: i, info: phone.CallInfo{
			ID: u.whenLabel(e.Created, now), Account: e.Account, Direction: e.Direction, Remote: e.Remote,
			State: phone.StateTerminated, Code: e.Code, Reason: e.Reason, Codec: e.Codec,
			Created: e.Created, Answered: e.Answered, Ended: e.Ended,
		}}
		u.st.order = append(u.st.order, key)
	}
	u.sortOrder()
	u.logf(levelInfo, fmt.Sprintf("%d earlier call(s) from the call history", len(keep)))
}

// whenLabel is a short label for when an earlier call started: "11:58" today, else "Jan 02"
// ("2025-12-30" in another year).
func (u *UI) whenLabel(t, now time.Time) string {
	t = t.In(u.loc)
	switch {
	case t.IsZero():
		return "earlier"
	case t.YearDay() == now.YearDay() && t.Year() == now.Year():
		return t.Format("15:04")
	case t.Year() == now.Year():
		return t.Format("Jan 02")
	}
	return t.Format("2006-01-02")
}

// sortOrder puts the history first (oldest first), then this run's calls by id.
func (u *UI) sortOrder() {
	sort.SliceStable(u.st.order, func(i, j int) bool {
		a, b := u.st.calls[u.st.order[i]], u.st.calls[u.st.order[j]]
		if a.hist != b.hist {
			return a.hist
		}
		if a.hist {
			return a.histSeq < b.histSeq
		}
		return idLess(u.st.order[i], u.st.order[j])
	})
}

// applyEvents applies a batch of core events (event goroutine).
func (u *UI) applyEvents(batch []phone.Event) {
	for _, ev := range batch {
		u.applyEvent(ev)
	}
	u.renderAll()
}

func (u *UI) applyEvent(ev phone.Event) {
	switch e := ev.(type) {
	case phone.EventReady:
		u.st.listen = e.Listen
		u.logf(levelInfo, "listening on "+joinOr(e.Listen, ", ", "-"))
	case phone.EventCall:
		u.upsertCall(e.Call)
	case phone.EventRegistration:
		u.upsertAccount(e.Account)
	case phone.EventMedia:
		if c := u.st.calls[e.ID]; c != nil {
			c.info.Codec, c.info.MediaLocal, c.info.MediaRemote = e.Codec, e.Local, e.Remote
			c.info.Encryption, c.info.SRTPSuite = e.Encryption, e.SRTPSuite
			c.q.live.media(u.now(), e.Codec, e.Ptime)
		}
		u.logf(levelInfo, fmt.Sprintf("%s media %s %s ⇄ %s %s%s", e.ID, e.Codec, e.Local, e.Remote, e.Direction,
			srtpMark(phone.CallInfo{Encryption: e.Encryption})))
	case phone.EventMediaStop:
		u.logf(levelInfo, e.ID+" media stopped")
	case phone.EventDTMF:
		if c := u.st.calls[e.ID]; c != nil {
			c.dtmf = lastN(c.dtmf+e.Digit, 32)
		}
		u.logf(levelInfo, fmt.Sprintf("%s DTMF received: %s (%s)", e.ID, e.Digit, e.Source))
	case phone.EventStats:
		if c := u.st.calls[e.ID]; c != nil {
			c.info.Stats = e.Stats
		}
	case phone.EventDND:
		u.st.dnd = e.On
		u.logf(levelInfo, "do not disturb "+map[bool]string{true: "on: incoming calls are refused", false: "off"}[e.On])
	case phone.EventSIP:
		u.addSIP(e)
	case phone.EventTransfer:
		u.onTransfer(e)
	case phone.EventStream:
		if c := u.st.calls[e.ID]; c != nil {
			c.q.live.stream(u.now(), e)
		}
	case phone.EventDiagnosis:
		if c := u.st.calls[e.ID]; c != nil {
			c.diag = append(c.diag, e.Message)
		}
		u.logf(levelWarn, e.ID+" "+e.Message)
	case phone.EventNotice:
		lvl := levelInfo
		switch e.Level {
		case "warn":
			lvl = levelWarn
		case "error":
			lvl = levelError
		}
		u.logf(lvl, e.Message)
	}
}

func (u *UI) addSIP(e phone.EventSIP) {
	if e.CallID == "" && !e.Late {
		arrow := "←"
		if e.Out {
			arrow = "→"
		}
		u.logf(levelSIP, fmt.Sprintf("%s %s %s", arrow, e.Remote, e.Summary))
		return
	}
	l := append(u.st.ladders[e.CallID], e)
	// a late message (an INVITE traced before its call existed) goes where its time puts it
	for i := len(l) - 1; i > 0 && l[i].Time.Before(l[i-1].Time); i-- {
		l[i], l[i-1] = l[i-1], l[i]
	}
	if len(l) > maxLadder {
		l = append(l[:0:0], l[len(l)-maxLadder:]...)
	}
	u.st.ladders[e.CallID] = l
}

func (u *UI) upsertCall(ci phone.CallInfo) {
	c, known := u.st.calls[ci.ID]
	if !known {
		c = &callEntry{}
		u.st.calls[ci.ID] = c
		u.st.order = append(u.st.order, ci.ID)
		u.sortOrder()
	}
	old := c.info
	c.info = ci
	if !known || old.State != ci.State {
		u.logCallChange(ci)
	}
	if ci.State == phone.StateIncoming && !c.rung {
		c.rung = true
		u.bell()
		if sel := u.st.calls[u.st.selected]; sel == nil || !sel.info.State.Live() {
			u.st.selected = ci.ID
		}
	}
	if u.st.wantSelect == ci.ID || u.st.selected == "" {
		u.st.selected = ci.ID
		if u.st.wantSelect == ci.ID {
			u.st.wantSelect = ""
		}
	}
	u.pruneCalls()
}

func (u *UI) logCallChange(ci phone.CallInfo) {
	switch ci.State {
	case phone.StateIncoming:
		u.logf(levelWarn, fmt.Sprintf("%s incoming call from %s on %s", ci.ID, ci.Remote, ci.Account))
	case phone.StateTerminated:
		msg := fmt.Sprintf("%s terminated", ci.ID)
		if ci.Code != 0 || ci.Reason != "" {
			msg += fmt.Sprintf(": %d %s", ci.Code, ci.Reason)
		}
		u.logf(levelInfo, msg)
	default:
		u.logf(levelInfo, fmt.Sprintf("%s %s %s %s", ci.ID, ci.Direction, ci.State, ci.Remote))
	}
}

// pruneCalls forgets the oldest terminated calls beyond maxEndedCalls.
func (u *UI) pruneCalls() {
	ended := 0
	for _, id := range u.st.order {
		if !u.st.calls[id].info.State.Live() {
			ended++
		}
	}
	if ended <= maxEndedCalls {
		return
	}
	keep := u.st.order[:0]
	for _, id := range u.st.order {
		if ended > maxEndedCalls && !u.st.calls[id].info.State.Live() {
			ended--
			delete(u.st.calls, id)
			delete(u.st.ladders, id)
			if u.st.selected == id {
				u.st.selected = ""
			}
			continue
		}
		keep = append(keep, id)
	}
	u.st.order = keep
}

func (u *UI) upsertAccount(a phone.AccountInfo) {
	for i := range u.st.accounts {
		if u.st.accounts[i].Name == a.Name {
			old := u.st.accounts[i]
			u.st.accounts[i] = a
			if old.State != a.State {
				u.logAccount(a)
			}
			return
		}
	}
	u.st.accounts = append(u.st.accounts, a)
	u.logAccount(a)
}

func (u *UI) logAccount(a phone.AccountInfo) {
	lvl := levelInfo
	msg := fmt.Sprintf("account %s %s", a.Name, a.State)
	if a.Code != 0 {
		msg += fmt.Sprintf(" (%d %s)", a.Code, a.Reason)
	}
	if a.State == phone.RegFailed {
		lvl = levelWarn
		if a.LastError != "" {
			msg += ": " + a.LastError
		}
	}
	u.logf(lvl, msg)
}

// bell rings the terminal bell through the screen (never by writing behind tview).
func (u *UI) bell() {
	u.lastBell = u.now()
	if u.screen != nil {
		_ = u.screen.Beep()
	}
}

// Call lookups used by the key actions.

// selectedCall is the selected call, or nil.
func (u *UI) selectedCall() *callEntry { return u.st.calls[u.st.selected] }

// ringingCall is the call that "answer" applies to: the selected call if it rings, else the
// oldest incoming call.
func (u *UI) ringingCall() *callEntry {
	if c := u.selectedCall(); c != nil && c.info.State == phone.StateIncoming {
		return c
	}
	for _, id := range u.st.order {
		if c := u.st.calls[id]; c.info.State == phone.StateIncoming {
			return c
		}
	}
	return nil
}

// activeCall is the call that hangup/hold/mute/DTMF apply to: the selected call if it is live,
// else the only live call.
func (u *UI) activeCall() *callEntry {
	if c := u.selectedCall(); c != nil && c.info.State.Live() {
		return c
	}
	var only *callEntry
	for _, id := range u.st.order {
		if c := u.st.calls[id]; c.info.State.Live() {
			if only != nil {
				return nil
			}
			only = c
		}
	}
	return only
}

// liveCalls counts the calls that have not ended.
func (u *UI) liveCalls() int {
	n := 0
	for _, c := range u.st.calls {
		if c.info.State.Live() {
			n++
		}
	}
	return n
}

// idLess orders "c2" before "c10".
func idLess(a, b string) bool {
	if len(a) != len(b) {
		return len(a) < len(b)
	}
	return a < b
}

func lastN(s string, n int) string {
	if len(s) > n {
		return s[len(s)-n:]
	}
	return s
}

func joinOr(ss []string, sep, empty string) string {
	if len(ss) == 0 {
		return empty
	}
	out := ss[0]
	for _, s := range ss[1:] {
		out += sep + s
	}
	return out
}

// refreshStats takes the media figures of live calls from a fresh read of the core.
func (u *UI) refreshStats(live []phone.CallInfo) {
	for _, ci := range live {
		if c := u.st.calls[ci.ID]; c != nil && c.info.State != phone.StateTerminated {
			c.info.Stats = ci.Stats
			c.q.sample(u.now(), ci.Stats)
		}
	}
}
