package ui

import (
	"testing"

	"github.com/gdamore/tcell/v2"

	"github.com/sipterm/sipterm/phone"
)

// exportCore is the fake core with the export seam.
type exportCore struct{ *fakeCore }

func (e exportCore) Export(id, dir string) (string, string, error) {
	e.rec("export " + id + " " + dir)
	return id, "/tmp/caps/sipterm-x-" + id + ".pcap", nil
}

// TestExportKeyAndCommand: x exports the selected call, :export ID DIR a given one, and the
// Log says where the files went.
func TestExportKeyAndCommand(t *testing.T) {
	h := start(t, 100, 30, Options{}, nil)
	h.core.publish(phone.EventCall{Call: established("c1", "sip:bob@example.org")})
	h.waitText("sip:bob@example.org")
	// the harness's core has no Export: the key says so instead of failing silently
	h.key(tcell.KeyRune, 'x')
	h.waitText("export: not supported")
	done := make(chan struct{})
	h.u.app.QueueUpdate(func() { h.u.core = exportCore{h.core}; close(done) })
	<-done
	h.key(tcell.KeyRune, 'x')
	h.waitCmd("export c1 ")
	h.waitText("c1 exported: /tmp/caps/sipterm-x-c1.pcap")
	h.key(tcell.KeyRune, ':')
	h.typeText("export c1 /tmp/elsewhere")
	h.key(tcell.KeyEnter, 0)
	h.waitCmd("export c1 /tmp/elsewhere")
}

// TestLadderEnterOpensMessage: in the focused call pane, Enter opens the selected (bottom) ladder
// line's message raw and Enter again goes back; Up selects the line above.
func TestLadderEnterOpensMessage(t *testing.T) {
	h := start(t, 100, 30, Options{}, nil)
	h.core.publish(phone.EventCall{Call: established("c1", "sip:bob@example.org")},
		phone.EventSIP{Time: fixedNow, CallID: "c1", Out: true, Remote: "udp:192.0.2.10:5060",
			Summary: "INVITE sip:bob@192.0.2.10 SIP/2.0", Raw: "INVITE sip:bob@192.0.2.10 SIP/2.0\r\nCSeq: 1 INVITE\r\n\r\n"},
		phone.EventSIP{Time: fixedNow, CallID: "c1", Out: false, Remote: "udp:192.0.2.10:5060",
			Summary: "SIP/2.0 200 OK", Raw: "SIP/2.0 200 OK\r\nCSeq: 1 INVITE\r\nX-Mark: answer\r\n\r\n"})
	h.waitText("SIP/2.0 200 OK ─")
	h.key(tcell.KeyTab, 0)
	h.key(tcell.KeyEnter, 0)
	h.waitText("X-Mark: answer")
	h.key(tcell.KeyEnter, 0)
	h.waitText("SIP/2.0 200 OK ─")
	h.key(tcell.KeyUp, 0)
	h.key(tcell.KeyEnter, 0)
	h.waitText("message 1 raw")
	h.waitText("CSeq: 1 INVITE")
	h.key(tcell.KeyEsc, 0)
	h.waitText("SIP/2.0 200 OK ─")
}
