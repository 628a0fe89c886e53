package phone

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/sipterm/sipterm/phone/config"
)

// CaptureSummary is the JSON written next to a call's pcap.
type CaptureSummary struct {
	Call      CallInfo         `json:"call"`
	Pcap      string           `json:"pcap"`
	Timeline  []CaptureMessage `json:"timeline"`
	LocalSDP  string           `json:"local_sdp,omitempty"`  // the last SDP we sent
	RemoteSDP string           `json:"remote_sdp,omitempty"` // the last SDP the peer sent
	Packets   CapturePackets   `json:"packets"`
	Findings  []string         `json:"findings"` // the media-path doctor's diagnoses (doctor.go)
}

// CaptureMessage is one SIP message of the timeline.
type CaptureMessage struct {
	Time      time.Time `json:"time"`
	Out       bool      `json:"out"`
	Transport string    `json:"transport"`
	Local     string    `json:"local"`
	Remote    string    `json:"remote"`
	Line      string    `json:"line"`
}

// CapturePackets counts what the pcap holds.
type CapturePackets struct {
	SIP     int `json:"sip"`
	RTPIn   int `json:"rtp_in"`
	RTPOut  int `json:"rtp_out"`
	RTCPIn  int `json:"rtcp_in"`
	RTCPOut int `json:"rtcp_out"`
	Dropped int `json:"dropped"` // oldest RTP/RTCP dropped by the per-call bound
	// Media: false when RTP/RTCP were not captured (no capture_dir, and no export while live)
	Media bool `json:"media"`
}

// write writes the call's pcap and JSON summary into dir; it returns the pcap's path.
func (cc *callCapture) write(dir string, _ *config.Config) (string, error) {
	cc.mu.Lock()
	pkts := make([]capPkt, 0, len(cc.sip)+len(cc.media))
	pkts = append(append(pkts, cc.sip...), cc.media...)
	sum := CaptureSummary{Findings: []string{}}
	sum.Packets.Dropped, sum.Packets.Media = cc.dropped, cc.taking
	var info CallInfo
	if cc.call != nil {
		info = cc.call.Info()
		if d := cc.call.doc; d != nil {
			sum.Findings = append(sum.Findings, d.findings()...)
		}
	}
	cc.mu.Unlock()
	slices.SortStableFunc(pkts, func(a, b capPkt) int { return a.t.Compare(b.t) })
	for _, p := range pkts {
		switch {
		case p.kind == capSIP:
			sum.Packets.SIP++
			text := p.text
			if p.data != nil {
				text = string(p.data)
			}
			sum.Timeline = append(sum.Timeline, CaptureMessage{Time: p.t, Out: p.out, Transport: p.transport,
				Local: p.local.String(), Remote: p.remote.String(), Line: firstLine(text)})
			if body := sdpBody(text); body != "" {
				if p.out {
					sum.LocalSDP = body
				} else {
					sum.RemoteSDP = body
				}
			}
		case p.kind == capRTP && p.out:
			sum.Packets.RTPOut++
		case p.kind == capRTP:
			sum.Packets.RTPIn++
		case p.out:
			sum.Packets.RTCPOut++
		default:
			sum.Packets.RTCPIn++
		}
	}
	sum.Call = info
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return "", fmt.Errorf("creating the capture directory: %w", err)
	}
	start := info.Created
	if start.IsZero() && len(pkts) > 0 {
		start = pkts[0].t
	}
	base := filepath.Join(dir, fmt.Sprintf("sipterm-%s-%s", start.Format("20060102-150405"), cc.id))
	f, err := os.OpenFile(base+".pcap", os.O_CREATE|os.O_WRONLY|os.O_TRUNC, 0o600)
	if err != nil {
		return "", fmt.Errorf("creating the pcap: %w", err)
	}
	werr := writePcap(f, pkts)
	if cerr := f.Close(); werr == nil {
		werr = cerr
	}
	if werr != nil {
		return "", fmt.Errorf("writing %s: %w", base+".pcap", werr)
	}
	sum.Pcap = base + ".pcap"
	js, err := json.MarshalIndent(sum, "", "  ")
	if err != nil {
		return "", fmt.Errorf("encoding the capture summary: %w", err)
	}
	if err := os.WriteFile(base+".json", append(js, '\n'), 0o600); err != nil {
		return "", fmt.Errorf("writing the capture summary: %w", err)
	}
	return base + ".pcap", nil
}

// sdpBody is a SIP message's body when it is an SDP.
func sdpBody(msg string) string {
	_, body, ok := strings.Cut(msg, "\r\n\r\n")
	if !ok {
		return ""
	}
	if strings.HasPrefix(body, "v=0") {
		return body
	}
	return ""
}

// Export writes a call's capture (pcap + JSON summary) into dir; it returns the call's id and
// the pcap's path. id "" is the one live call, else the last ended one; dir "" is capture_dir,
// else the current directory. Exporting a live call also starts taking its RTP/RTCP (when
// capture_dir did not already): export it again, or after its end, for the media from then on.
func (p *Phone) Export(id, dir string) (string, string, error) {
	if dir == "" {
		dir = p.cfg.CaptureDir
	}
	if dir == "" {
		dir = "."
	}
	if c, err := p.call(id, "export", func(CallState) bool { return true }); err == nil {
		p.captureMedia(c)
		path, err := p.caps.get(c.id, true).write(dir, p.cfg)
		return c.id, path, err
	} else if id == "" {
		p.caps.mu.Lock()
		if n := len(p.caps.ended); n > 0 {
			id = p.caps.ended[n-1]
		}
		p.caps.mu.Unlock()
	}
	if id == "" {
		return "", "", fmt.Errorf("export: no call to export")
	}
	cc := p.caps.get(id, false)
	if cc == nil {
		return "", "", fmt.Errorf("export: no capture of call %s (the last %d ended calls are kept)", id, capKeepEnded)
	}
	path, err := cc.write(dir, p.cfg)
	return id, path, err
}
