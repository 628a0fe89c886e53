package phone

import (
	"fmt"
	"net/netip"
	"sync"
	"time"

	"github.com/sipterm/sipterm/phone/sdp"
)

// Media-path doctor (issue 11): compares what the SDP said with the RTP that comes and goes, and
// reports each kind of problem once per call as a `diagnosis` event and a line in the call pane.
// It sees every datagram through the media tap; checkRTP is the pure part.

// EventDiagnosis: the media-path doctor found something wrong with a call's media.
type EventDiagnosis struct {
	ID      string
	Kind    string // latched, payload_type, ssrc_change, one_way, silence, ptime, clock_drift, rtp_after_bye
	Message string
	// Direction is set for one_way: "in" (nothing reaches us) or "out" (the peer's RTCP reports
	// say nothing of ours reaches it).
	Direction string
}

func (EventDiagnosis) isEvent() {}

// oneWayAfter: we have been sending this long and nothing has arrived.
const oneWayAfter = 2 * time.Second

// docExpect is what the SDP negotiated.
type docExpect struct {
	remote netip.AddrPort // the peer's RTP address from its SDP
	pts    []uint8        // payload types negotiated (codec, telephone-event)
	recv   bool           // the peer is expected to send (it did not say sendonly/inactive to us)
	codec  uint8          // the audio codec's payload type (0 PCMU, 8 PCMA: digital silence is known)
	ptime  int            // ms per packet the peer's SDP asked for (0: 20)
	rate   int            // the codec's RTP clock rate (0: 8000)
	srtp   bool           // SRTP: RTCP report blocks are encrypted, not read
}

// docState is what the doctor has seen of a call's RTP.
type docState struct {
	firstSent time.Time
	received  bool
	src       netip.AddrPort
	ssrc      uint32
	haveSSRC  bool
	silentAt  time.Time // first of the current run of all-silence packets
	lastTS    uint32
	haveTS    bool
	oddTS     int        // packets in a row whose timestamp step is not the SDP's ptime
	out       outState   // what we send, and what the peer's reports say of it (doctor_rtcp.go)
	drift     driftState // the peer's RTP clock against ours (doctor_drift.go)
}

// docPacket is one RTP datagram as the doctor sees it.
type docPacket struct {
	t      time.Time
	out    bool
	remote netip.AddrPort // the peer's address (source when received)
	data   []byte
}

// finding is one diagnosis: kind and the sentence for a person.
type finding struct{ kind, msg, dir string }

// checkRTP updates st with one RTP datagram and returns what it shows (possibly several).
func checkRTP(exp docExpect, st *docState, p docPacket) []finding {
	var out []finding
	if len(p.data) < 12 || p.data[0]>>6 != 2 {
		return nil
	}
	if p.out {
		if st.firstSent.IsZero() {
			st.firstSent = p.t
		}
		st.out.sent(p)
		if !st.received && exp.recv && p.t.Sub(st.firstSent) >= oneWayAfter {
			out = append(out, finding{"one_way", fmt.Sprintf(
				"one-way audio: we have sent RTP to %s for %.0f s and nothing has arrived; check the peer's NAT/firewall and that %s is reachable from it",
				p.remote, p.t.Sub(st.firstSent).Seconds(), "our SDP's c=/m= address"), "in"})
		}
		return out
	}
	st.received = true
	src := netip.AddrPortFrom(p.remote.Addr().Unmap(), p.remote.Port())
	if exp.remote.IsValid() && src != exp.remote && st.src != src {
		out = append(out, finding{"latched", fmt.Sprintf(
			"RTP arrives from %s, not from %s as the peer's SDP said: a NAT rewrote it (we answer to where it comes from); check the peer's NAT or its SDP address",
			src, exp.remote), ""})
	}
	st.src = src
	pt := p.data[1] & 0x7f
	known := false
	for _, n := range exp.pts {
		known = known || n == pt
	}
	if !known && !(pt >= 72 && pt <= 76) { // 72-76 would be RTCP (multiplexed), not RTP
		out = append(out, finding{"payload_type", fmt.Sprintf(
			"RTP with payload type %d, which was not negotiated (%v): it is dropped; check the peer's codec settings", pt, exp.pts), ""})
	}
	ssrc := uint32(p.data[8])<<24 | uint32(p.data[9])<<16 | uint32(p.data[10])<<8 | uint32(p.data[11])
	if st.haveSSRC && ssrc != st.ssrc {
		out = append(out, finding{"ssrc_change", fmt.Sprintf(
			"the peer's RTP stream changed SSRC (%08x -> %08x): it restarted its stream or a media relay switched sources", st.ssrc, ssrc), ""})
	}
	st.ssrc, st.haveSSRC = ssrc, true
	if pt == exp.codec && known {
		out = append(out, checkAudio(exp, st, p)...)
		out = append(out, checkDrift(exp, &st.drift, p, ssrc)...)
	}
	return out
}

// silenceAfter: this long of nothing but digital silence is reported.
const silenceAfter = 2 * time.Second

// checkAudio looks at an audio packet's payload and timestamp: digital silence (a muted or broken
// source sends all-zero PCM: µ-law 0xFF, A-law 0xD5) and a packet size other than the SDP's ptime.
func checkAudio(exp docExpect, st *docState, p docPacket) []finding {
	var out []finding
	hdr := 12 + 4*int(p.data[0]&0x0f)
	if hdr >= len(p.data) || p.data[0]&0x10 != 0 { // no payload, or a header extension: skip
		return nil
	}
	payload := p.data[hdr:]
	silent := exp.codec == 0 || exp.codec == 8
	for _, b := range payload {
		if !(exp.codec == 0 && (b == 0xFF || b == 0x7F)) && !(exp.codec == 8 && (b == 0xD5 || b == 0x55)) {
			silent = false
			break
		}
	}
	switch {
	case !silent:
		st.silentAt = time.Time{}
	case st.silentAt.IsZero():
		st.silentAt = p.t
	case p.t.Sub(st.silentAt) >= silenceAfter:
		out = append(out, finding{"silence", fmt.Sprintf(
			"the peer has sent only digital silence for %.0f s: its microphone is muted, missing or not captured; check its audio device", p.t.Sub(st.silentAt).Seconds()), ""})
	}
	ts := uint32(p.data[4])<<24 | uint32(p.data[5])<<16 | uint32(p.data[6])<<8 | uint32(p.data[7])
	perMs := uint32(max(exp.rate, 8000) / 1000)
	want := uint32(max(exp.ptime, 1)) * perMs
	if exp.ptime == 0 {
		want = 20 * perMs
	}
	if st.haveTS {
		step := ts - st.lastTS
		if step != want && step != 0 && step < perMs*1000 {
			st.oddTS++
		} else {
			st.oddTS = 0
		}
		if st.oddTS == 5 {
			out = append(out, finding{"ptime", fmt.Sprintf(
				"the peer sends %d ms packets, the SDP said %d ms: check its ptime setting (jitter figures are skewed)", step/perMs, want/perMs), ""})
		}
	}
	st.lastTS, st.haveTS = ts, true
	return out
}

// doctor is one call's media-path doctor.
type doctor struct {
	p  *Phone
	id string

	mu       sync.Mutex
	exp      docExpect
	st       docState
	reported map[string]bool
	lines    []string
	after    lateState   // RTP after the call ended (doctor_bye.go)
	stream   streamState // SSRC changes and talkspurts for the quality pane (doctor_stream.go)
}

func newDoctor(p *Phone, id string) *doctor {
	return &doctor{p: p, id: id, reported: map[string]bool{}}
}

// expect sets what the SDP negotiated (at each offer/answer).
func (d *doctor) expect(e docExpect) {
	d.mu.Lock()
	d.exp = e
	d.mu.Unlock()
}

// observe is called from the media tap with every RTP/RTCP datagram.
func (d *doctor) observe(t time.Time, out, rtcp bool, remote netip.AddrPort, data []byte) {
	muxed := len(data) >= 2 && data[1] >= 192 && data[1] <= 223 // RTCP on the RTP port (RFC 5761)
	p := docPacket{t: t, out: out, remote: remote, data: data}
	d.mu.Lock()
	var fs []finding
	var se EventStream
	var seDue bool
	if rtcp || muxed {
		fs = checkRTCP(d.exp, &d.st, p)
	} else {
		fs = checkRTP(d.exp, &d.st, p)
		if !out && len(data) >= 12 && data[0]>>6 == 2 && data[1]&0x7f == d.exp.codec {
			ssrc := uint32(data[8])<<24 | uint32(data[9])<<16 | uint32(data[10])<<8 | uint32(data[11])
			se, seDue = d.stream.watch(d.id, t, ssrc, data[1]&0x80 != 0)
		}
	}
	d.mu.Unlock()
	d.report(fs)
	if seDue {
		d.p.publish(se)
	}
}

// report publishes the findings not reported yet for this call (one of each kind and direction).
func (d *doctor) report(fs []finding) {
	var fresh []finding
	d.mu.Lock()
	for _, f := range fs {
		if !d.reported[f.kind+"/"+f.dir] {
			d.reported[f.kind+"/"+f.dir] = true
			d.lines = append(d.lines, f.msg)
			fresh = append(fresh, f)
		}
	}
	d.mu.Unlock()
	for _, f := range fresh {
		args := []any{"call", d.id, "kind", f.kind, "message", f.msg}
		if f.dir != "" {
			args = append(args, "direction", f.dir)
		}
		d.p.log.Warn("media diagnosis", args...)
		d.p.publish(EventDiagnosis{ID: d.id, Kind: f.kind, Message: f.msg, Direction: f.dir})
	}
}

// findings are the call's diagnoses so far.
func (d *doctor) findings() []string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]string(nil), d.lines...)
}

// expectFrom is what an offer/answer result lets the doctor expect.
func expectFrom(n sdp.Negotiated) docExpect {
	e := docExpect{remote: n.Remote, pts: []uint8{n.Codec.PT}, codec: n.Codec.PT, ptime: n.Ptime, rate: n.Codec.Rate, srtp: n.SRTP != nil}
	if n.DTMFPT != 0 {
		e.pts = append(e.pts, n.DTMFPT)
	}
	e.recv = (n.RemoteDir == "" || n.RemoteDir == sdp.SendRecv || n.RemoteDir == sdp.SendOnly) &&
		(n.Direction == "" || n.Direction == sdp.SendRecv || n.Direction == sdp.RecvOnly)
	return e
}
