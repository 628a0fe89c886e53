package phone

import (
	"hash/maphash"
	"strconv"
	"sync"
	"time"

	"github.com/emiago/sipgo/sip"
)

// Requests that come after their transaction is gone (memory.go: the phone does not keep
// finished transactions around to absorb them). What a finished call leaves behind is a
// 64-bit hash of its dialog, kept at least endedKeep; the call and its messages can go:
//   - a late copy of an ended call's INVITE (same Call-ID and From tag, no To tag) is dropped,
//     instead of ringing as a new call (endedCall, every call);
//   - a retransmitted BYE (our 200 was lost) is answered 200 again, not 481 (endedByBye, the
//     calls the peer's BYE ended; one that crossed our own BYE still gets 481);
//   - a late copy of an INVITE we refused (same Call-ID, From tag, CSeq and branch) is dropped
//     (endedRefused): the caller has our answer (it ACKed it) or has given up, and a second look
//     could accept what the first refused (overload, busy, DND toggled) and ring for a call the
//     caller has abandoned. A 404 from screening keeps nothing: each copy gets one, as before.
//
// 8 bytes and a map slot per call: ~0.5 MB after 64 s at 400 calls/s, against the ~7 KB of
// messages and dialog state a finished transaction held for each.

// endedKeep is how long a dialog's end is remembered at least: 64*T1, the longest a peer
// retransmits a request (and at most twice that).
var endedKeep = 64 * sip.T1

// What ended a dialog, as far as a late request needs to know.
type endedHow byte

const (
	endedCall    endedHow = iota + 1 // the call ended, any way
	endedByBye                       // the peer's BYE ended it (and we answered 200)
	endedRefused                     // we refused this INVITE transaction
)

type endedDialogs struct {
	seed maphash.Seed

	mu        sync.Mutex
	cur, prev map[uint64]struct{}
	rotated   time.Time
}

func newEndedDialogs() *endedDialogs {
	return &endedDialogs{seed: maphash.MakeSeed(), cur: map[uint64]struct{}{}, rotated: time.Now()}
}

// key is the dialog as the peer names it in its requests: Call-ID and its own tag (the From
// tag of whatever it sends, INVITE or BYE).
func (e *endedDialogs) key(callID, remoteTag string, how endedHow) uint64 {
	var h maphash.Hash
	h.SetSeed(e.seed)
	h.WriteString(callID)
	h.WriteByte(0)
	h.WriteString(remoteTag)
	h.WriteByte(byte(how))
	return h.Sum64()
}

// add remembers that the dialog ended (how).
func (e *endedDialogs) add(callID, remoteTag string, how endedHow) {
	if callID == "" {
		return
	}
	k := e.key(callID, remoteTag, how)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rotate(time.Now())
	e.cur[k] = struct{}{}
}

// has: the dialog ended (how) less than endedKeep ago (or up to twice that).
func (e *endedDialogs) has(callID, remoteTag string, how endedHow) bool {
	k := e.key(callID, remoteTag, how)
	e.mu.Lock()
	defer e.mu.Unlock()
	e.rotate(time.Now())
	_, inCur := e.cur[k]
	_, inPrev := e.prev[k]
	return inCur || inPrev
}

// rotate drops the generation older than endedKeep: two maps instead of a timestamp per entry.
func (e *endedDialogs) rotate(now time.Time) {
	switch age := now.Sub(e.rotated); {
	case age >= 2*endedKeep:
		e.prev, e.cur = nil, map[uint64]struct{}{}
	case age >= endedKeep:
		e.prev, e.cur = e.cur, map[uint64]struct{}{}
	default:
		return
	}
	e.rotated = now
}

// setPeerTag records the peer's tag in the call's dialog (ended_dialogs.go keys on it): the From
// tag of its INVITE when it called us, the To tag of its answer when we called it.
func (c *Call) setPeerTag(tag string) {
	c.mu.Lock()
	c.peerTag = tag
	c.mu.Unlock()
}

func (c *Call) remoteTag() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.peerTag
}

func toTag(res *sip.Response) string {
	if to := res.To(); to != nil {
		tag, _ := to.Params.Get("tag")
		return tag
	}
	return ""
}

func fromTag(req *sip.Request) string {
	if f := req.From(); f != nil {
		tag, _ := f.Params.Get("tag")
		return tag
	}
	return ""
}

// endedDialog: req belongs to a dialog that ended (how) a moment ago.
func (p *Phone) endedDialog(req *sip.Request, how endedHow) bool {
	cid := req.CallID()
	return cid != nil && p.ended.has(cid.Value(), fromTag(req), how)
}

// inviteCopy handles a retransmission of an incoming call's INVITE that came after the
// INVITE transaction was gone (Timer L, memory.go: shorter than sipgo's 32 s): while the call
// lives, our 200 goes out again (the caller missed it); after the call ended, or after we
// refused it, the copy gets 481 (the caller's own transaction has long ended: it ignores the
// answer; what matters is that the copy does not ring as a new call). Another INVITE with the
// same Call-ID and From tag (a different branch: a merged request, RFC 3261 §8.2.2.2) is not a
// copy: screening answers it 482. True when handled.
func (p *Phone) inviteCopy(req *sip.Request, tx sip.ServerTransaction) bool {
	if c := p.callBySIP(req); c != nil {
		res := c.answeredWith()
		if res == nil || c.srvDlg == nil || !sameTransaction(req, c.srvDlg.InviteRequest) {
			return false
		}
		c.log.Info("INVITE retransmitted after its transaction ended: 200 sent again")
		p.reply(req, tx, res)
		return true
	}
	cid := req.CallID()
	if cid == nil {
		return false
	}
	var what string
	switch {
	case p.endedDialog(req, endedCall):
		what = "an ended call's"
	case p.ended.has(cid.Value(), transactionOf(req), endedRefused):
		what = "a refused"
	default:
		return false
	}
	p.log.Info("late copy of "+what+" INVITE: 481, not a new call", "call_id", cid.Value())
	respond(p, req, tx, 481, "Call/Transaction Does Not Exist")
	return true
}

// rememberRefused records a refused new INVITE's transaction (see endedRefused).
func (p *Phone) rememberRefused(req *sip.Request, code int) {
	if code == notFoundCode || !req.IsInvite() {
		return
	}
	if to := req.To(); to != nil && to.Params.Has("tag") {
		return // a re-INVITE: its copies stay in the dialog
	}
	if cid := req.CallID(); cid != nil && branchOf(req) != "" { // no branch (RFC 2543): no copy to tell
		p.ended.add(cid.Value(), transactionOf(req), endedRefused)
	}
}

func branchOf(req *sip.Request) string {
	if v := req.Via(); v != nil {
		b, _ := v.Params.Get("branch")
		return b
	}
	return ""
}

// transactionOf names an INVITE's transaction as its copies repeat it: From tag, CSeq, branch.
func transactionOf(req *sip.Request) string {
	var seq uint32
	if c := req.CSeq(); c != nil {
		seq = c.SeqNo
	}
	return fromTag(req) + "\x00" + strconv.FormatUint(uint64(seq), 10) + "\x00" + branchOf(req)
}

// sameTransaction: a and b carry the same From tag, CSeq and top Via branch.
func sameTransaction(a, b *sip.Request) bool {
	ca, cb := a.CSeq(), b.CSeq()
	if ca == nil || cb == nil || ca.SeqNo != cb.SeqNo || fromTag(a) != fromTag(b) {
		return false
	}
	ba := branchOf(a)
	return ba != "" && ba == branchOf(b)
}
