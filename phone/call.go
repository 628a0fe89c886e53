package phone

import (
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/audio"
	"github.com/sipterm/sipterm/phone/config"
	"github.com/sipterm/sipterm/phone/media"
	"github.com/sipterm/sipterm/phone/sdp"
)

// Call is one call, owned by the Phone's registry from its first INVITE until it has ended
// and its transactions are finished. Only the registry holds it; everything else holds its id.
type Call struct {
	p         *Phone
	id        string
	acct      *Account
	sipCallID string
	log       *slog.Logger

	mu      sync.Mutex
	info    CallInfo
	decided bool // incoming: answer/reject has been decided (the parked handler acts on it)

	// incoming calls: the parked INVITE handler waits on decide
	srvDlg    *sipgo.DialogServerSession
	decide    chan decision
	autoTimer *time.Timer

	// outgoing calls
	cliDlg       *sipgo.DialogClientSession
	cancelInvite context.CancelFunc

	media       *media.Session
	echo        *media.Session // the built-in echo endpoint's side, for the echo test
	mediaOn     bool
	peerIP      netip.Addr // where the peer is (offer's c=, INVITE source, dialled IP): the call's IP family
	local       sdp.Local
	neg         sdp.Negotiated
	reinviteAck chan uint32
	stopTone    context.CancelFunc

	xfer *xferState  // transfers of this call (transfer.go)
	conf *conference // the local conference the call is in (lines.go), nil if none

	endOnce sync.Once
	done    chan struct{} // closed once the call has ended and left the registry
	settled chan struct{} // closed when the call is first answered (Answered set)

	ext callExt // 100rel/PRACK and session timers (prack.go, session_timer.go)
	// timers.go, redirect.go, ended.go, dtmf_info.go
	ringTimer *time.Timer   // ring_timeout (outgoing) or no_answer (incoming)
	byeSent   bool          // our BYE is out: media is off, in-dialog requests get 481
	redirects []string      // targets already tried by following 3xx (loop guard)
	infoMu    sync.Mutex    // DTMF by INFO: one digit at a time, in order
	outDone   chan struct{} // outgoing: closed when the INVITE's goroutine is done (CANCEL sent or not needed)
	// incoming calls an answer-policy rule decided (policy.go)
	policy  *config.Policy
	policyN int
	fileDev audio.Device                // play/early with a file: the call's audio
	playFor time.Duration               // play: how long the file lasts
	doc     *doctor                     // media-path doctor (doctor.go), set with the media
	capt    atomic.Pointer[callCapture] // per-call capture taking RTP/RTCP (capture.go), nil: not
	// ctx ends when the call does (finish): the call's own goroutines and tones stop with it
	ctx       context.Context
	cancelCtx context.CancelFunc
	// answer_ack.go: our 200 to the INVITE (nil until it is built and sent), the caller's BYE
	// came before its ACK, closed to stop waiting for that ACK
	ok200        *sip.Response
	byeBeforeAck bool
	ackGiveUp    chan struct{}
	peerTag      string // the peer's tag in the dialog (ended_dialogs.go)
}

type decision struct {
	answer    bool
	code      int    // reject: the SIP status
	sipReason string // reject: the status line's reason phrase
	why       string // reject: what the call's terminated event says
	contact   string // redirect (3xx): the Contact to send
}

func (p *Phone) newCall(acct *Account, dir Direction, sipCallID, remote, local string) *Call {
	id := p.newCallID()
	c := &Call{
		p: p, id: id, acct: acct, sipCallID: sipCallID,
		log:         p.log.With("call", id),
		decide:      make(chan decision, 1),
		reinviteAck: make(chan uint32, 4),
		done:        make(chan struct{}),
		settled:     make(chan struct{}),
	}
	c.ctx, c.cancelCtx = context.WithCancel(p.rootCtx())
	c.info = CallInfo{
		ID: id, Account: acct.cfg.Name, Direction: dir, Remote: remote, Local: local,
		State: StateCalling, Created: timeNow(),
		Stats: MediaStats{MicDBFS: media.MinDBFS, SpeakerDBFS: media.MinDBFS}, // silence until media flows
	}
	if dir == DirIn {
		c.info.State = StateIncoming
	}
	c.local = sdp.Local{
		IP: p.mediaIP, SessionID: uint64(timeNow().UnixNano() & 0x7fffffffffff), Version: 1,
		Direction: sdp.SendRecv, DTMFPT: sdp.DefaultDTMFPT,
	}
	c.local.Encryption, c.local.Crypto = encryptionFor(acct)
	c.local.Codecs = codecsFor(acct)
	return c
}

// Info is a snapshot of the call.
func (c *Call) Info() CallInfo {
	c.mu.Lock()
	defer c.mu.Unlock()
	info := c.info
	if c.media != nil && c.mediaOn {
		info.Stats = toMediaStats(c.media.Stats())
	}
	return info
}

// State is the call's current state.
func (c *Call) State() CallState {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.info.State
}

// setState is the one place a call changes state (terminated goes through finish).
func (c *Call) setState(state CallState, code int, reason string) {
	c.mu.Lock()
	if c.info.State == StateTerminated {
		c.mu.Unlock()
		return
	}
	old := c.info.State
	c.info.State = state
	if code != 0 {
		c.info.Code = code
	}
	if reason != "" {
		c.info.Reason = reason
	}
	if state == StateEstablished && c.info.Answered.IsZero() {
		c.info.Answered = timeNow()
		close(c.settled) // once: Answered is set only here, and only while zero
	}
	info := c.info
	c.mu.Unlock()
	c.log.Info("call state", "from", old, "to", state, "code", code, "reason", reason, "remote", info.Remote)
	c.p.publish(EventCall{Call: info})
}

// finish ends the call exactly once: media and tones stop, it leaves the registry, and the
// terminated event says why.
func (c *Call) finish(code int, reason string) {
	c.endOnce.Do(func() {
		c.mu.Lock()
		old := c.info.State
		c.info.State = StateTerminated
		c.info.Code = code
		c.info.Reason = reason
		c.info.Ended = timeNow()
		c.decided = true
		if c.autoTimer != nil {
			c.autoTimer.Stop()
		}
		if c.ringTimer != nil {
			c.ringTimer.Stop()
		}
		m, e, wasOn := c.media, c.echo, c.mediaOn
		c.mediaOn = false
		if c.media != nil {
			c.info.Stats = toMediaStats(c.media.Stats())
		}
		info := c.info
		c.mu.Unlock()
		c.finishLines()
		c.stopTones()
		c.stopSessionTimer()
		if m != nil {
			m.Close()
		}
		if e != nil {
			e.Close()
		}
		if wasOn {
			c.log.Info("media stop", "codec", info.Codec, "local", info.MediaLocal, "remote", info.MediaRemote,
				"sent", info.Stats.PacketsSent, "received", info.Stats.PacketsReceived, "lost", info.Stats.PacketsLost)
			c.p.publish(EventMediaStop{ID: c.id})
		}
		c.log.Info("call state", "from", old, "to", StateTerminated, "code", code, "reason", reason, "remote", info.Remote)
		c.p.publish(EventCall{Call: info})
		c.p.unregister(c)
		c.p.captureEnded(c)
		if err := c.p.hist.add(historyEntry(info)); err != nil {
			c.log.Warn("call history", "error", err)
		}
		c.cancelCtx()
		close(c.done)
		if c.p.tones && isFailure(code) && info.Direction == DirOut && info.Answered.IsZero() {
			c.p.playFailureTone(code)
		}
	})
}

func isFailure(code int) bool { return code >= 400 && code != 487 }

// newMedia allocates the call's RTP session (its port goes into our SDP).
func (c *Call) newMedia() error {
	cfg := c.p.cfg
	advertise, bind := c.p.mediaAddrs(c.peerIP)
	m, err := media.NewSession(media.Config{
		LocalIP: bind, PortMin: cfg.RTPPortMin, PortMax: cfg.RTPPortMax,
		Device: c.device(), Logger: c.log, RTPTimeout: cfg.RTPTimeoutDur,
		OnDTMF: func(digit string) {
			c.log.Info("dtmf received", "digit", digit, "via", "rtp")
			c.p.publish(EventDTMF{ID: c.id, Digit: digit, Source: "rtp"})
		},
		OnStats: func(s media.Stats) {
			st := toMediaStats(s)
			c.mu.Lock()
			c.info.Stats = st
			c.mu.Unlock()
			c.p.publish(EventStats{ID: c.id, Stats: st})
		},
		OnTimeout: func() { c.goCall("rtp timeout", c.rtpTimedOut) },
		OnNotice: func(msg string) {
			c.log.Warn("media", "notice", msg)
		},
	})
	if err != nil {
		return fmt.Errorf("allocating RTP ports: %w", err)
	}
	c.media = m
	c.local.IP = advertise
	c.local.Port = int(m.LocalAddr().Port())
	c.mapRTP()
	c.doc = newDoctor(c.p, c.id)
	m.SetTap(c.tap)
	m.SetLinger(c.doc.lingerFor())
	c.p.captureNewMedia(c)
	return nil
}

// applyMedia starts or updates RTP with a negotiation result and publishes it.
func (c *Call) applyMedia(n sdp.Negotiated) error {
	params := media.Params{
		Remote:    n.Remote,
		Codec:     media.Codec{PT: n.Codec.PT, Name: n.Codec.Name, ClockRate: n.Codec.Rate},
		DTMFPT:    n.DTMFPT,
		Direction: mediaDirection(n.Direction),
		PtimeMs:   n.Ptime,
		SRTP:      srtpParams(n.SRTP),
		CNPT:      n.CNPT,
		Opus:      opusParams(n.Opus, c.p.cfg),
	}
	c.mu.Lock()
	m := c.media
	if m == nil || c.info.State == StateTerminated {
		c.mu.Unlock()
		return nil
	}
	wasOn := c.mediaOn
	c.mediaOn = true
	c.neg = n
	c.doc.expect(expectFrom(n))
	c.info.Codec = n.Codec.Name
	c.info.MediaLocal = netip.AddrPortFrom(c.local.IP, m.LocalAddr().Port()).String()
	c.info.MediaRemote = ""
	if n.Remote.IsValid() {
		c.info.MediaRemote = n.Remote.String()
	}
	c.info.RemoteHeld = n.RemoteDir == sdp.SendOnly || n.RemoteDir == sdp.Inactive
	c.info.Encryption, c.info.SRTPSuite = encryptionOf(n)
	info := c.info
	c.mu.Unlock()
	c.openPinhole(n.Remote)
	var err error
	if wasOn {
		err = m.Update(params)
	} else {
		c.stopTones()
		err = m.Start(params)
		if err == nil {
			c.announceRecording(m)
		}
	}
	if err != nil {
		return fmt.Errorf("starting media: %w", err)
	}
	c.log.Info("media", "action", map[bool]string{true: "update", false: "start"}[wasOn], "codec", n.Codec.Name,
		"pt", n.Codec.PT, "dtmf_pt", n.DTMFPT, "local", info.MediaLocal, "remote", info.MediaRemote, "direction", n.Direction,
		"encryption", info.Encryption, "suite", info.SRTPSuite)
	c.p.publish(EventMedia{ID: c.id, Codec: n.Codec.Name, Local: info.MediaLocal, Remote: info.MediaRemote, Direction: n.Direction,
		Encryption: info.Encryption, SRTPSuite: info.SRTPSuite, Ptime: ptimeOf(n)})
	return nil
}

func mediaDirection(d string) media.Direction {
	switch d {
	case sdp.SendOnly:
		return media.SendOnly
	case sdp.RecvOnly:
		return media.RecvOnly
	case sdp.Inactive:
		return media.Inactive
	}
	return media.SendRecv
}

func toMediaStats(s media.Stats) MediaStats {
	return MediaStats{
		PacketsSent: s.PacketsSent, PacketsReceived: s.PacketsReceived, PacketsLost: s.PacketsLost,
		LossPercent: s.LossPercent, RemoteLossPercent: s.RemoteLossPercent, JitterMs: s.JitterMs,
		RTTMs: s.RTTMs, JitterBufferMs: s.JitterBufferMs, MicDBFS: s.MicDBFS, SpeakerDBFS: s.SpeakerDBFS, MOS: s.MOS,
		AuthFailures: s.AuthFailures, RemoteJitterMs: s.RemoteJitterMs, RemoteMOS: s.RemoteMOS,
		ConcealedFrames: s.ConcealedFrames, LateDropped: s.LateDropped,
	}
}

// end brings the call down for a reason of ours, whatever its state (used by Close).
func (c *Call) end(ctx context.Context, reason string) {
	c.mu.Lock()
	state, dir := c.info.State, c.info.Direction
	c.mu.Unlock()
	switch {
	case state == StateTerminated:
	case dir == DirIn && (state == StateIncoming):
		if !c.reject(480, "Temporarily Unavailable", reason) {
			c.giveUpAck() // answered, the ACK not in yet: BYE now rather than after 64*T1
		}
	default:
		c.hangupWith(0, reason)
	}
	select {
	case <-c.done:
	case <-ctx.Done():
	}
	if c.outDone != nil { // the call ended for the user at once; its CANCEL still has to go out
		select {
		case <-c.outDone:
		case <-ctx.Done():
		}
	}
}

// hangupWith ends an answered call with a BYE, or cancels/rejects one that is not answered.
func (c *Call) hangupWith(code int, reason string) { c.hangupWithin(code, reason, 10*time.Second) }

// hangupWithin is hangupWith giving the BYE byeWait to be answered (a peer that has vanished
// gets less: see rtpTimedOut).
func (c *Call) hangupWithin(code int, reason string, byeWait time.Duration) {
	c.mu.Lock()
	state, dir := c.info.State, c.info.Direction
	cancel := c.cancelInvite
	dlg, echo := c.dialog(), c.echo
	answered := !c.info.Answered.IsZero()
	c.mu.Unlock()
	if state == StateTerminated {
		return
	}
	if echo != nil {
		c.finish(200, reason)
		return
	}
	if dir == DirIn && !answered {
		if !c.reject(486, "Busy Here", reason) {
			// the 200 is already on its way: wait for the ACK, then BYE
			c.abortPrackWait(reason) // unless it still waits for a PRACK: then no 200 at all
			c.waitAnswered(5 * time.Second)
			c.giveUpAck() // no ACK in 5 s: the answer's handler sends the BYE
			c.hangupWithin(code, reason, byeWait)
		}
		return
	}
	if dir == DirOut && !answered {
		c.abandonOutgoing(cancel, 487, "cancelled ("+reason+")")
		return
	}
	ctx, done := context.WithTimeout(context.Background(), byeWait)
	defer done()
	c.haltMedia() // the user hung up: no more RTP while the BYE is (re)sent
	err := c.bye(ctx, dlg)
	if byeCrossed(err) {
		c.log.Info("BYE crossed the peer's", "error", err)
		err = nil
	}
	if err != nil {
		c.log.Warn("BYE failed", "error", err)
		reason += " (BYE: " + byeFailure(err, byeWait) + ")"
	}
	if code == 0 {
		code = 200
	}
	c.finish(code, reason)
}

func (c *Call) waitAnswered(d time.Duration) {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-c.settled:
	case <-c.done:
	case <-t.C:
	}
}

// Done is closed when the call has ended and left the registry.
func (c *Call) Done() <-chan struct{} { return c.done }

// reject hands a reject decision to the parked INVITE handler; false if already decided.
func (c *Call) reject(code int, sipReason, why string) bool {
	c.mu.Lock()
	if c.decided || c.info.Direction != DirIn {
		c.mu.Unlock()
		return false
	}
	c.decided = true
	c.mu.Unlock()
	c.decide <- decision{code: code, sipReason: sipReason, why: why}
	return true
}

// remoteTarget is where in-dialog requests go: the peer's Contact.
func (c *Call) remoteTarget() (sip.Uri, bool) {
	if d := c.dialog(); d != nil {
		if ct := d.peerContact(); ct != nil {
			return ct.Address, true
		}
	}
	return sip.Uri{}, false
}

// dialogDo sends an in-dialog request and waits for its final response. A 401/407 is
// answered with the account's credentials (in_dialog_auth.go); req ends up as the request
// last sent (its CSeq is the one an ACK must carry).
func (c *Call) dialogDo(ctx context.Context, req *sip.Request) (*sip.Response, error) {
	c.keepTransport(req)
	return c.dialogDoAuth(ctx, req, nil)
}

func (c *Call) dialogWrite(req *sip.Request) error {
	c.keepTransport(req)
	if d := c.dialog(); d != nil {
		return d.WriteRequest(req)
	}
	return fmt.Errorf("call %s has no dialog", c.id)
}

// stopTones ends a ring/ringback tone if one plays for this call.
func (c *Call) stopTones() {
	c.mu.Lock()
	stop := c.stopTone
	c.stopTone = nil
	c.mu.Unlock()
	if stop != nil {
		stop()
	}
}
