package phone

import (
	"net/netip"
	"strings"
	"sync"
	"time"
)

// Per-call capture (issue 11): what sipterm itself sent and received for a call, kept so that it
// can be written as a pcap (capture_pcap.go) with a JSON summary (capture_summary.go).
//
// What is kept and when:
//   - SIP: every call's messages, always (a few per call; they come from the trace goroutine).
//   - RTP/RTCP: only for calls being captured: every call when capture_dir is set, else from the
//     first `export` of a live call on. Without either, a packet costs one atomic load here (the
//     media-path doctor reads its header either way). Each call keeps at most capMaxMedia datagrams (the oldest go first).
//   - After a call ends, its capture stays for `export` while it is one of the last capKeepEnded
//     calls; with capture_dir it is written there capWriteDelay after the end (the 200 to a BYE
//     and a late ACK are traced after the call's end), and after the RTP port's linger, so that
//     the summary has the doctor's rtp_after_bye finding (doctor_bye.go).
const (
	capMaxSIP     = 1000
	capMaxMedia   = 60000 // 10 minutes of 20 ms RTP both ways
	capKeepEnded  = 8
	capWriteDelay = byeLinger + 500*time.Millisecond
)

type capKind int

const (
	capSIP capKind = iota
	capRTP
	capRTCP
)

// capPkt is one datagram (or one SIP message over a stream transport) as sent or received.
type capPkt struct {
	t             time.Time
	out           bool
	kind          capKind
	transport     string // SIP: UDP, TCP, TLS, WS...
	local, remote netip.AddrPort
	data          []byte // RTP/RTCP
	text          string // SIP: the trace's own string, shared rather than copied (issue 10)
}

// bytes is the datagram's payload.
func (p capPkt) bytes() []byte {
	if p.kind == capSIP && p.data == nil {
		return []byte(p.text)
	}
	return p.data
}

// callCapture is one call's kept packets.
type callCapture struct {
	id string

	mu      sync.Mutex
	call    *Call
	sip     []capPkt
	media   []capPkt
	dropped int  // media datagrams dropped by the bound
	taking  bool // RTP/RTCP are being taken
	ended   bool
}

// captures is the phone's set of call captures; its zero value is ready.
type captures struct {
	mu    sync.Mutex
	byID  map[string]*callCapture
	ended []string // ended calls' ids, oldest first
}

func (cs *captures) get(id string, create bool) *callCapture {
	cs.mu.Lock()
	defer cs.mu.Unlock()
	cc := cs.byID[id]
	if cc == nil && create {
		if cs.byID == nil {
			cs.byID = map[string]*callCapture{}
		}
		cc = &callCapture{id: id}
		cs.byID[id] = cc
	}
	return cc
}

// captureSIP keeps one traced SIP message of a live call, or of an ended one still kept (trace
// goroutine). A late message of a call long gone is not kept: nothing would ever drop it.
func (p *Phone) captureSIP(e EventSIP) {
	if e.CallID == "" {
		return
	}
	p.mu.Lock()
	live := p.calls[e.CallID] != nil
	p.mu.Unlock()
	cc := p.caps.get(e.CallID, live)
	if cc == nil {
		return
	}
	local, lt := traceAddr(e.Local)
	remote, _ := traceAddr(e.Remote)
	cc.mu.Lock()
	defer cc.mu.Unlock()
	if len(cc.sip) >= capMaxSIP {
		return
	}
	if cc.sip == nil {
		cc.sip = make([]capPkt, 0, 8) // a call's usual messages without regrowing 1, 2, 4, 8
	}
	cc.sip = append(cc.sip, capPkt{t: e.Time, out: e.Out, kind: capSIP, transport: lt, local: local, remote: remote, text: e.Raw})
}

// traceAddr splits the trace's "UDP:127.0.0.1:5060" into transport and address.
func traceAddr(s string) (netip.AddrPort, string) {
	tr, addr, _ := strings.Cut(s, ":")
	ap, _ := netip.ParseAddrPort(addr)
	return ap, strings.ToUpper(tr)
}

// tap is the media.Tap of a captured call.
func (cc *callCapture) tap(t time.Time, out, rtcp bool, local, remote netip.AddrPort, data []byte) {
	k := capRTP
	if rtcp {
		k = capRTCP
	}
	p := capPkt{t: t, out: out, kind: k, transport: "UDP", local: local, remote: remote, data: append([]byte(nil), data...)}
	cc.mu.Lock()
	if len(cc.media) >= capMaxMedia {
		n := capMaxMedia / 10 // drop in chunks: amortised O(1)
		cc.media = append(cc.media[:0], cc.media[n:]...)
		cc.dropped += n
	}
	cc.media = append(cc.media, p)
	cc.mu.Unlock()
}

// watch starts taking a call's RTP/RTCP (newMedia with capture_dir set, or export of a live call).
func (p *Phone) captureMedia(c *Call) {
	cc := p.caps.get(c.id, true)
	cc.mu.Lock()
	cc.call = c
	cc.taking = true
	cc.mu.Unlock()
	c.capt.Store(cc)
}

// tap is the call's media.Tap: the doctor sees every datagram, a capture keeps them.
func (c *Call) tap(t time.Time, out, rtcp bool, local, remote netip.AddrPort, data []byte) {
	c.doc.observe(t, out, rtcp, remote, data)
	if cc := c.capt.Load(); cc != nil {
		cc.tap(t, out, rtcp, local, remote, data)
	}
}

// captureNewMedia is called when a call's media session exists.
func (p *Phone) captureNewMedia(c *Call) {
	if p.cfg.CaptureDir != "" {
		p.captureMedia(c)
	}
}

// captureEnded keeps an ended call's capture for the last capKeepEnded calls and writes it to
// capture_dir when that is set.
func (p *Phone) captureEnded(c *Call) {
	cc := p.caps.get(c.id, true)
	cc.mu.Lock()
	cc.call, cc.ended = c, true
	cc.mu.Unlock()
	p.caps.mu.Lock()
	p.caps.ended = append(p.caps.ended, c.id)
	for len(p.caps.ended) > capKeepEnded {
		delete(p.caps.byID, p.caps.ended[0])
		p.caps.ended = p.caps.ended[1:]
	}
	p.caps.mu.Unlock()
	if dir := p.cfg.CaptureDir; dir != "" {
		p.capWG.Add(1)
		time.AfterFunc(capWriteDelay, func() {
			defer p.capWG.Done()
			if path, err := cc.write(dir, p.cfg); err != nil {
				p.log.Warn("call capture", "call", c.id, "error", err)
			} else {
				p.log.Info("call capture written", "call", c.id, "pcap", path)
			}
		})
	}
}
