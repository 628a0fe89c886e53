package phone

import (
	"context"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"
)

// dialog is a call's SIP dialog, whichever side made it: sipgo's server session (an incoming
// call) or client session (an outgoing one). Code that does not care which side it is on goes
// through this, so each in-dialog operation is written once.
type dialog interface {
	Do(ctx context.Context, req *sip.Request) (*sip.Response, error)
	WriteRequest(req *sip.Request) error
	ReadRequest(req *sip.Request, tx sip.ServerTransaction) error
	ReadBye(req *sip.Request, tx sip.ServerTransaction) error
	WriteBye(ctx context.Context, bye *sip.Request) error

	invite() *sip.Request            // the INVITE that made the dialog
	tags() (local, remote string)    // "" until known
	peerContact() *sip.ContactHeader // where in-dialog requests go; nil until known
}

// serverDialog: the peer's INVITE carries both tags (ours added to its To) and its Contact.
type serverDialog struct{ *sipgo.DialogServerSession }

func (d serverDialog) invite() *sip.Request { return d.InviteRequest }

func (d serverDialog) tags() (local, remote string) {
	local, _ = d.InviteRequest.To().Params.Get("tag")
	remote, _ = d.InviteRequest.From().Params.Get("tag")
	return local, remote
}

func (d serverDialog) peerContact() *sip.ContactHeader { return d.InviteRequest.Contact() }

// clientDialog: the peer's tag and Contact come with its answer.
type clientDialog struct{ *sipgo.DialogClientSession }

func (d clientDialog) invite() *sip.Request { return d.InviteRequest }

func (d clientDialog) tags() (local, remote string) {
	if d.InviteResponse == nil {
		return "", ""
	}
	local, _ = d.InviteRequest.From().Params.Get("tag")
	remote, _ = d.InviteResponse.To().Params.Get("tag")
	return local, remote
}

func (d clientDialog) peerContact() *sip.ContactHeader {
	if d.InviteResponse == nil {
		return nil
	}
	return d.InviteResponse.Contact()
}

// dialog is the call's dialog, nil before it has one (never a nil session in an interface). It
// takes no lock: callers that may race with the dialog's creation hold c.mu, as before.
func (c *Call) dialog() dialog {
	switch {
	case c.srvDlg != nil:
		return serverDialog{c.srvDlg}
	case c.cliDlg != nil:
		return clientDialog{c.cliDlg}
	}
	return nil
}
