package ui

import (
	"fmt"
	"strings"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

// key is one key that triggers a binding: a special key, or a rune (key == tcell.KeyRune).
type key struct {
	k tcell.Key
	r rune
}

func runeKey(r rune) key { return key{k: tcell.KeyRune, r: r} }

// name is how the key is shown in the help and the hint bar.
func (k key) name() string {
	if k.k == tcell.KeyRune {
		return string(k.r)
	}
	switch k.k {
	case tcell.KeyEnter:
		return "Enter"
	case tcell.KeyTab:
		return "Tab"
	case tcell.KeyBacktab:
		return "S-Tab"
	case tcell.KeyUp:
		return "↑"
	case tcell.KeyDown:
		return "↓"
	case tcell.KeyEsc:
		return "Esc"
	case tcell.KeyPgUp:
		return "PgUp"
	case tcell.KeyPgDn:
		return "PgDn"
	case tcell.KeyCtrlC:
		return "Ctrl-C"
	}
	return tcell.KeyNames[k.k]
}

// binding is one row of the keymap: it drives the key dispatch, the ? help and the hint bar.
type binding struct {
	keys   []key
	label  string // the keys as one word in the hint bar and help, "" = the key names joined
	hint   string // short text for the hint bar, "" = not in the hint bar
	help   string // description in the help screen
	danger bool   // shown highlighted: it ends calls or the program
	// act runs on the event goroutine. nil passes the key to the focused pane (movement).
	act func(u *UI, ev *tcell.EventKey)
}

// keyLabel is the keys of a binding as shown to the user.
func (b binding) keyLabel() string {
	if b.label != "" {
		return b.label
	}
	names := make([]string, len(b.keys))
	for i, k := range b.keys {
		names[i] = k.name()
	}
	return strings.Join(names, " ")
}

// hintKey is the key shown in the hint bar: the label, else the first key.
func (b binding) hintKey() string {
	if b.label != "" {
		return b.label
	}
	return b.keys[0].name()
}

// keymap is THE key table of the main screen.
var keymap = []binding{
	{keys: []key{runeKey('a')}, hint: "answer", help: "answer the ringing call (the selected one, else the oldest)", act: (*UI).answer},
	{keys: []key{{k: tcell.KeyEnter}}, help: "in the call pane's SIP ladder: open the selected message raw (Enter again: back); else answer the ringing call; on an ended call (dimmed: from the call history) put its remote into the dial line, Enter again redials", act: (*UI).enter},
	{keys: []key{runeKey('h')}, hint: "hangup", help: "hang up the selected call", danger: true, act: (*UI).hangup},
	{keys: []key{runeKey('r')}, hint: "reject", help: "reject the ringing call with 486 Busy Here", danger: true, act: (*UI).reject},
	{keys: []key{runeKey('R')}, help: "reject the ringing call with a status code you type", danger: true, act: (*UI).rejectAsk},
	{keys: []key{runeKey('d'), runeKey(':')}, hint: "dial", help: "open the dial/command line: a URI, a number or user (completed with the account's domain), \"echo\", or \"account target\"; d on an ended call offers its remote (Enter redials, typing replaces it); : also takes every command (listed below)", act: (*UI).openDial},
	{keys: []key{runeKey('H')}, hint: "hold", help: "hold or resume the selected call", act: (*UI).holdToggle},
	{keys: []key{runeKey('t')}, help: "transfer the selected call (blind): type the target; the call ends when the target answered (:transfer [ID] URI)", act: (*UI).transferAsk},
	{keys: []key{runeKey('T')}, help: "attended transfer: join the selected call with the other answered call; with one call, hold it and dial the consultation call, then T again (:attended [ID] [ID2]; a peer's transfer: :transfer-accept / :transfer-decline)", act: (*UI).attended},
	{keys: []key{runeKey('w')}, help: "swap calls: hold the active call and resume the held one", act: func(u *UI, _ *tcell.EventKey) { u.swap(nil) }},
	{keys: []key{runeKey('c')}, help: "conference: join the selected call and the other answered call (both resumed; each hears the other and you)", act: func(u *UI, _ *tcell.EventKey) { u.conference("") }},
	{keys: []key{runeKey('C')}, help: "split the conference: the selected call stays, the other goes on hold", act: func(u *UI, _ *tcell.EventKey) { u.split(nil) }},
	{keys: []key{runeKey('m')}, hint: "mute", help: "mute or unmute the microphone in the selected call", act: (*UI).muteToggle},
	{keys: dtmfKeys(), label: "0-9*#", hint: "DTMF", help: "send a DTMF digit in the established call", act: (*UI).dtmf},
	{keys: []key{runeKey('D')}, help: "do not disturb on/off: incoming calls are refused (dnd_code, default 486); shown as DND in the status bar", act: (*UI).dndToggle},
	{keys: []key{runeKey('f')}, help: "forward (redirect) the ringing call: type a URI, the caller gets 302 with it as Contact", act: (*UI).redirectAsk},
	{keys: []key{runeKey('i')}, help: "show the selected call's two-way quality (our receive figures, the peer's view from its RTCP reports, MOS both ways, 60 s of loss and jitter) instead of the ladder, or the ladder again", act: (*UI).qualityToggle},
	{keys: []key{runeKey('x')}, help: "export the selected call (live or one of the last ended) as a pcap of its SIP, RTP and RTCP plus a JSON summary, into capture_dir (else the current directory); also :export [ID] [DIR]", act: func(u *UI, _ *tcell.EventKey) { u.exportCall("") }},
	{keys: []key{runeKey('v')}, help: "show the selected call's SIP messages raw, or as a ladder again", act: (*UI).toggleRaw},
	{keys: []key{{k: tcell.KeyTab}, {k: tcell.KeyBacktab}}, hint: "pane", help: "move to the next (previous) pane", act: (*UI).tab},
	{keys: []key{runeKey('j'), runeKey('k'), {k: tcell.KeyDown}, {k: tcell.KeyUp}, {k: tcell.KeyPgDn}, {k: tcell.KeyPgUp}, runeKey('g'), runeKey('G')}, help: "move the selection / scroll the focused pane (g top, G bottom); in the call pane they select a ladder line"},
	{keys: []key{runeKey('/')}, hint: "filter log", help: "filter the Log pane (type to filter, Enter keeps it, Esc clears)", act: (*UI).openFilter},
	{keys: []key{{k: tcell.KeyEsc}}, help: "clear the log filter, close the help or the line", act: (*UI).escape},
	{keys: []key{runeKey('p')}, help: "the answer policy: its rules in order; a add, e edit, d delete, K/J move (saved to the config file)", act: (*UI).openPolicy},
	{keys: []key{runeKey('?')}, hint: "help", help: "show this help", act: (*UI).showHelp},
	{keys: []key{runeKey('q'), {k: tcell.KeyCtrlC}}, hint: "quit", help: "quit (asks first when calls are live; the phone then hangs up and unregisters)", danger: true, act: (*UI).quit},
}

func dtmfKeys() []key {
	var ks []key
	for _, r := range "0123456789*#" {
		ks = append(ks, runeKey(r))
	}
	return ks
}

// lookup finds the binding for a key event.
func lookup(ev *tcell.EventKey) (binding, bool) {
	for _, b := range keymap {
		for _, k := range b.keys {
			if k.k == ev.Key() && (k.k != tcell.KeyRune || k.r == ev.Rune()) {
				return b, true
			}
		}
	}
	return binding{}, false
}

// onKey is the application's input capture (event goroutine).
func (u *UI) onKey(ev *tcell.EventKey) *tcell.EventKey {
	front, _ := u.v.root.GetFrontPage()
	switch front {
	case "help":
		if ev.Key() == tcell.KeyEsc || ev.Rune() == 'q' || ev.Rune() == '?' {
			u.v.root.SwitchToPage("main")
			u.app.SetFocus(u.v.panes[u.v.focus])
			return nil
		}
		if ev.Key() == tcell.KeyCtrlC {
			return nil
		}
		return ev // scroll the help
	case "policy":
		return u.policyKey(ev)
	case "confirm":
		switch {
		case ev.Rune() == 'y' || ev.Rune() == 'Y' || ev.Rune() == 'q' || ev.Key() == tcell.KeyCtrlC:
			u.requestStop()
		case ev.Rune() == 'n' || ev.Rune() == 'N' || ev.Key() == tcell.KeyEsc:
			u.v.root.HidePage("confirm")
			u.app.SetFocus(u.v.panes[u.v.focus])
		}
		return nil
	}
	if u.app.GetFocus() == u.v.input {
		if ev.Key() == tcell.KeyCtrlC {
			u.closeInput()
			return nil
		}
		return ev
	}
	if ev.Modifiers()&(tcell.ModAlt|tcell.ModCtrl) != 0 && ev.Key() == tcell.KeyRune {
		return ev
	}
	b, ok := lookup(ev)
	if !ok || b.act == nil {
		return ev
	}
	b.act(u, ev)
	return nil
}

// hintText is the hint bar for a width, built from the keymap. When it does not fit, entries are
// dropped from the end of the table, except help and quit.
func (u *UI) hintText(width int) string {
	type hint struct{ keys, text string }
	var hs []hint
	for _, b := range keymap {
		if b.hint != "" {
			hs = append(hs, hint{b.hintKey(), b.hint})
		}
	}
	size := func(hs []hint) int {
		n := 0
		for _, h := range hs {
			n += len([]rune(h.keys)) + len(h.text) + 3
		}
		return n
	}
	for len(hs) > 2 && width > 0 && size(hs) > width {
		hs = append(hs[:len(hs)-3], hs[len(hs)-2:]...) // keep "? help" and "q quit" last
	}
	var sb strings.Builder
	for _, h := range hs {
		sb.WriteString(" " + u.th.tag(u.th.header) + clean(h.keys) + u.th.reset() + " " + h.text + " ")
	}
	return sb.String()
}

// helpText is the ? screen, built from the keymap.
// Descriptions wrap at width (the help pane's inner width; 0: no wrapping) under themselves.
func (u *UI) helpText(width int) string {
	var sb strings.Builder
	sb.WriteString("sipterm keys\n\n")
	const indent = 25 // "  " + 22 columns of keys + " "
	for _, b := range keymap {
		c := u.th.tag(u.th.header)
		if b.danger {
			c = u.th.tag(u.th.bad)
		}
		room := 0
		if width > indent+10 {
			room = width - indent
		}
		lines := wrapWords(plain(b.help), room, room)
		fmt.Fprintf(&sb, "  %s%-22s%s %s\n", c, clean(b.keyLabel()), u.th.reset(), clean(lines[0]))
		for _, l := range lines[1:] {
			sb.WriteString(strings.Repeat(" ", indent) + clean(l) + "\n")
		}
	}
	for _, l := range strings.Split(commandHelp(), "\n") {
		room := 0
		if width > 20 {
			room = width
		}
		lead := len(l) - len(strings.TrimLeft(l, " "))
		wrapped := wrapWords(l, room, room-lead-2)
		for i, w := range wrapped {
			if i > 0 {
				w = strings.Repeat(" ", lead+2) + w
			} else {
				w = strings.Repeat(" ", lead) + w
			}
			sb.WriteString(clean(w) + "\n")
		}
	}
	sb.WriteString("\nIn the dial/command line: ↑/↓ recall history, Enter runs, Esc cancels.\n")
	sb.WriteString("Mouse: click a pane or a call to select it; the wheel scrolls.\n")
	return sb.String()
}

// Actions. All run on the event goroutine and hand core commands to u.run.

func (u *UI) answer(*tcell.EventKey) {
	c := u.ringingCall()
	if c == nil {
		u.logf(levelWarn, "no ringing call to answer")
		return
	}
	id := c.info.ID
	u.st.selected = id
	u.renderCalls()
	u.renderDetail()
	u.logf(levelInfo, "answering "+id)
	u.run("answer "+id, func() error { return u.core.Answer(id) })
}

func (u *UI) hangup(*tcell.EventKey) {
	c := u.activeCall()
	if c == nil {
		u.logf(levelWarn, "no live call to hang up")
		return
	}
	id := c.info.ID
	u.logf(levelInfo, "hanging up "+id)
	u.run("hangup "+id, func() error { return u.core.Hangup(id) })
}

func (u *UI) reject(*tcell.EventKey) { u.rejectWith(486) }

func (u *UI) rejectWith(code int) {
	c := u.ringingCall()
	if c == nil {
		u.logf(levelWarn, "no ringing call to reject")
		return
	}
	id := c.info.ID
	u.logf(levelInfo, fmt.Sprintf("rejecting %s with %d", id, code))
	u.run(fmt.Sprintf("reject %s %d", id, code), func() error { return u.core.Reject(id, code) })
}

func (u *UI) rejectAsk(*tcell.EventKey) {
	c := u.ringingCall()
	if c == nil {
		u.logf(levelWarn, "no ringing call to reject")
		return
	}
	u.openInput(modeReject, "reject "+c.info.ID+" with code: ", "486")
}

func (u *UI) openDial(ev *tcell.EventKey) {
	if ev.Rune() == ':' {
		u.openInput(modeCommand, ":", "")
		return
	}
	if c := u.selectedCall(); c != nil && !c.info.State.Live() && c.info.Remote != "" {
		u.openRedial(c)
		return
	}
	u.openInput(modeDial, "dial: ", "")
}

// enter answers a ringing call; on an ended call it offers a redial.
func (u *UI) enter(ev *tcell.EventKey) {
	if u.app.GetFocus() == u.v.detail && u.ladderEnter() {
		return
	}
	if u.ringingCall() == nil {
		if c := u.selectedCall(); c != nil && !c.info.State.Live() && c.info.Remote != "" {
			u.openRedial(c)
			return
		}
	}
	u.answer(ev)
}

// openRedial opens the dial line with an ended call's remote (and its account, when there is a
// choice), so Enter dials it again; typing replaces it.
func (u *UI) openRedial(c *callEntry) {
	target := c.info.Remote
	if len(u.st.accounts) > 1 && u.hasAccount(c.info.Account) {
		target = c.info.Account + " " + target
	}
	u.openInput(modeDial, "redial: ", target)
	u.st.suggested = true
}

func (u *UI) openFilter(*tcell.EventKey) { u.openInput(modeFilter, "/", u.st.logFilter) }

func (u *UI) holdToggle(*tcell.EventKey) {
	c := u.activeCall()
	if c == nil {
		u.logf(levelWarn, "no live call to hold")
		return
	}
	id := c.info.ID
	if c.info.Held || c.info.State == phone.StateHeld {
		u.logf(levelInfo, "resuming "+id)
		u.run("resume "+id, func() error { return u.core.Resume(id) })
		return
	}
	u.logf(levelInfo, "holding "+id)
	u.run("hold "+id, func() error { return u.core.Hold(id) })
}

func (u *UI) muteToggle(*tcell.EventKey) {
	c := u.activeCall()
	if c == nil {
		u.logf(levelWarn, "no live call to mute")
		return
	}
	id, on := c.info.ID, !c.info.Muted
	u.logf(levelInfo, fmt.Sprintf("%s mute %v", id, on))
	u.run("mute "+id, func() error { return u.core.Mute(id, on) })
}

func (u *UI) dtmf(ev *tcell.EventKey) { u.sendDTMF(string(ev.Rune())) }

func (u *UI) sendDTMF(digits string) {
	c := u.activeCall()
	if c == nil || c.info.State != phone.StateEstablished {
		u.logf(levelWarn, "DTMF needs an established call")
		return
	}
	id := c.info.ID
	c.sent = lastN(c.sent+digits, 32)
	u.run("dtmf "+id, func() error { return u.core.SendDTMF(id, digits) })
}

func (u *UI) tab(ev *tcell.EventKey) {
	if ev.Key() == tcell.KeyBacktab {
		u.moveFocus(-1)
		return
	}
	u.moveFocus(1)
}

func (u *UI) escape(*tcell.EventKey) {
	if u.v.detail.open >= 0 {
		u.ladderEnter()
	}
	if u.st.logFilter != "" {
		u.st.logFilter = ""
		u.refreshLog()
	}
}

func (u *UI) showHelp(*tcell.EventKey) {
	u.v.root.SwitchToPage("help")
	u.app.SetFocus(u.v.help)
}

func (u *UI) quit(*tcell.EventKey) {
	n := u.liveCalls()
	if n == 0 {
		u.requestStop()
		return
	}
	u.v.confirm.SetText(fmt.Sprintf("\n%d live call(s) will be hung up.\nQuit? y/n", n))
	u.v.root.ShowPage("confirm")
}

func (u *UI) toggleRaw(*tcell.EventKey) {
	u.v.detail.raw = !u.v.detail.raw
	u.v.detail.back = 0
	u.v.detail.open = -1
	u.renderDetail()
}
