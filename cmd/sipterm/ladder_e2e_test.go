package main

import (
	"strings"
	"testing"
	"time"
)

// TestTUILadderIncoming: SIPp calls the TUI, sending its INVITE twice and holding back its ACK
// (so we retransmit our 200). The call's ladder starts with SIPp's INVITE (traced before the call
// existed), marks both retransmissions ↻, ends with the 200 to SIPp's BYE, and Enter on the
// ladder's first line opens that INVITE raw.
func TestTUILadderIncoming(t *testing.T) {
	needTools(t, "sipp", "tmux")
	l := lab(t)
	tui := startTUI(t, "--listen", "127.0.0.1:5260", "--audio", "null")
	tui.waitScreen("the listen address", 20*time.Second, "udp:127.0.0.1:5260")

	res := l.sippAsync("uac-retrans", "127.0.0.1:5260", "SERVICE=sipterm", "SIPP_PORT=5261")
	tui.waitScreen("the incoming call", 15*time.Second, ">>> INCOMING CALL", "sipp")
	tui.keys("a")
	r := <-res
	if r.RC != 0 || r.Successful != 1 {
		t.Fatalf("SIPp: %s\n%s", r.Line, r.errTail())
	}
	// the newest lines: both retransmissions marked, the 200 to SIPp's BYE last
	// The call's end can show before its last message: the trace that feeds the ladder is
	// written asynchronously (20x run: once the screen had BYE but not yet our 200).
	scr := tui.waitScreen("the ended call's ladder", 10*time.Second, "terminated", "BYE sip:sipterm", "200 OK ↻")
	for deadline := time.Now().Add(tuiMinWait); ; time.Sleep(100 * time.Millisecond) {
		if lines := ladderRows(scr); len(lines) > 0 && strings.Contains(lines[len(lines)-1], "─ SIP/2.0 200 OK ─") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ladder does not end with our 200 to the BYE:\n%s", scr)
		}
		scr = tui.screen()
	}
	// the oldest: Tab to the call pane, g selects its first line
	tui.keys("Tab")
	tui.keys("g")
	deadline := time.Now().Add(10 * time.Second)
	for {
		scr = tui.screen()
		lines := ladderRows(scr)
		if len(lines) > 0 && strings.Contains(lines[0], "INVITE sip:sipterm@127.0.0.1:5260") &&
			!strings.Contains(lines[0], "↻") && strings.Contains(scr, "INVITE sip:sipterm@127.0.0.1:5260 SIP/2.0 ↻") {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the ladder's first line is not SIPp's INVITE:\n%s", scr)
		}
		time.Sleep(100 * time.Millisecond)
	}
	tui.keys("Enter")
	tui.waitScreen("the INVITE raw", 10*time.Second, "message 1 raw", "branch=z9hG4bK-ladder-", "Call-ID:")
	tui.keys("Enter")
	tui.waitScreen("the ladder again", 10*time.Second, "us", "peer", "INVITE sip:sipterm@127.0.0.1:5260 SIP/2.0 [SDP] ─")
}

// ladderRows are the call pane's ladder lines on a TUI screen (after its "us … peer" header).
func ladderRows(screen string) []string {
	var rows []string
	in := false
	for _, l := range strings.Split(screen, "\n") {
		switch {
		case strings.Contains(l, " us ") && strings.Contains(l, "peer"):
			in = true
		case in && strings.Contains(l, "└"):
			return rows
		case in:
			rows = append(rows, l)
		}
	}
	return rows
}
