package phone

import (
	"testing"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// TestCallDialog: one view of either side's dialog; each side finds the tags and the peer's
// Contact where its messages carry them, and a call without a dialog has none (a true nil).
func TestCallDialog(t *testing.T) {
	invite := func(fromTag, toTag string) *sip.Request {
		req := inviteTo(t, sip.INVITE, "sip:alice@127.0.0.1", "192.0.2.1:5060")
		req.From().Params.Add("tag", fromTag)
		if toTag != "" {
			req.To().Params.Add("tag", toTag)
		}
		req.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "caller", Host: "192.0.2.1", Port: 5060}})
		return req
	}
	answer := func(req *sip.Request, toTag string) *sip.Response {
		res := sip.NewResponseFromRequest(req, 200, "OK", nil)
		res.To().Params.Add("tag", toTag)
		res.AppendHeader(&sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "callee", Host: "192.0.2.2", Port: 5062}})
		return res
	}
	out := invite("ours", "")
	tests := []struct {
		name          string
		call          *Call
		local, remote string
		contact       string // the peer's Contact user ("": none)
	}{
		{"no dialog", &Call{}, "", "", ""},
		{"incoming", &Call{srvDlg: &sipgo.DialogServerSession{Dialog: sipgo.Dialog{InviteRequest: invite("theirs", "ours")}}},
			"ours", "theirs", "caller"},
		{"outgoing, not answered", &Call{cliDlg: &sipgo.DialogClientSession{Dialog: sipgo.Dialog{InviteRequest: out}}},
			"", "", ""},
		{"outgoing, answered", &Call{cliDlg: &sipgo.DialogClientSession{Dialog: sipgo.Dialog{InviteRequest: out,
			InviteResponse: answer(out, "theirs")}}}, "ours", "theirs", "callee"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			d := tt.call.dialog()
			if tt.call.srvDlg == nil && tt.call.cliDlg == nil {
				if d != nil {
					t.Fatalf("dialog %#v, want nil", d)
				}
				return
			}
			if local, remote := d.tags(); local != tt.local || remote != tt.remote {
				t.Errorf("tags %q %q, want %q %q", local, remote, tt.local, tt.remote)
			}
			contact := ""
			if ct := d.peerContact(); ct != nil {
				contact = ct.Address.User
			}
			if contact != tt.contact {
				t.Errorf("peer contact %q, want %q", contact, tt.contact)
			}
			if d.invite() == nil || d.invite().Method != sip.INVITE {
				t.Errorf("invite %v", d.invite())
			}
		})
	}
}
