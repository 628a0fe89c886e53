package sdp

import (
	"fmt"
	"strconv"
	"strings"

	psdp "github.com/pion/sdp/v3"
)

// The codecs sipterm implements. G.722's rtpmap says 8000 although it samples at 16 kHz
// (RFC 3551 §4.5.2 keeps the clock of the first, wrong, registration); Opus is always
// opus/48000/2 whatever it really carries (RFC 7587 §7).
var (
	Opus = Codec{PT: 111, Name: "opus", Rate: 48000, Channels: 2}
	G722 = Codec{PT: 9, Name: "G722", Rate: 8000}
)

// CNPT is comfort noise's static payload type (RFC 3389).
const CNPT = 13

// WideDTMFPT is the telephone-event payload type we offer at 48 kHz (for Opus), next to
// DefaultDTMFPT at 8 kHz.
const WideDTMFPT = 102

// OpusParams are the Opus fmtp parameters of RFC 7587 §6.1 that matter to us.
type OpusParams struct {
	FEC             bool // useinbandfec=1: the peer decodes in-band FEC, so we send it
	MaxPlaybackRate int  // maxplaybackrate, Hz (0: not given = 48000)
	MaxCaptureRate  int  // sprop-maxcapturerate, Hz (0: not given)
	Stereo          bool // stereo=1: the peer prefers stereo (we send mono, which it must play)
	// MaxAverageBitrate is maxaveragebitrate, bits/s: the most the peer wants to receive on
	// average (0: not given; RFC 7587 §6.1 allows 6000-510000).
	MaxAverageBitrate int
}

// ourOpusFmtp is what we say about our receiver and sender: we decode FEC, play and capture up
// to 48 kHz, and want mono.
const ourOpusFmtp = "useinbandfec=1;maxplaybackrate=48000;sprop-maxcapturerate=48000;stereo=0"

// CodecByName finds a codec we implement by its SDP name (any case): opus, G722, PCMU, PCMA.
func CodecByName(name string) (Codec, bool) {
	for _, c := range []Codec{Opus, G722, PCMU, PCMA} {
		if strings.EqualFold(c.Name, name) {
			return c, true
		}
	}
	return Codec{}, false
}

// rtpmap is a codec's rtpmap value.
func (c Codec) rtpmap() string {
	if c.Channels > 1 {
		return fmt.Sprintf("%d %s/%d/%d", c.PT, c.Name, c.Rate, c.Channels)
	}
	return fmt.Sprintf("%d %s/%d", c.PT, c.Name, c.Rate)
}

// codecAttrs are the rtpmap (and fmtp) lines of one codec.
func codecAttrs(c Codec) []psdp.Attribute {
	attrs := []psdp.Attribute{psdp.NewAttribute("rtpmap", c.rtpmap())}
	if strings.EqualFold(c.Name, Opus.Name) {
		attrs = append(attrs, psdp.NewAttribute("fmtp", fmt.Sprintf("%d %s", c.PT, ourOpusFmtp)))
	}
	return attrs
}

// eventAttrs are the telephone-event lines for payload type pt at clock rate.
func eventAttrs(pt uint8, rate int) []psdp.Attribute {
	return []psdp.Attribute{
		psdp.NewAttribute("rtpmap", fmt.Sprintf("%d telephone-event/%d", pt, rate)),
		psdp.NewAttribute("fmtp", fmt.Sprintf("%d 0-16", pt)),
	}
}

// offerEvents gives telephone-event a payload type at each clock rate the offered codecs use:
// DTMF must run at its audio codec's clock (RFC 4733 §2.1).
func offerEvents(l Local, codecs []Codec) (pts []uint8, rates []int) {
	if l.DTMFPT == 0 {
		return nil, nil
	}
	seen := map[int]bool{}
	for _, c := range codecs {
		if seen[c.Rate] {
			continue
		}
		seen[c.Rate] = true
		pt := l.DTMFPT
		if c.Rate != 8000 {
			pt = WideDTMFPT
		}
		pts, rates = append(pts, pt), append(rates, c.Rate)
	}
	return pts, rates
}

// fmtpOf is the fmtp parameters of payload type pt in one media description.
func fmtpOf(md *psdp.MediaDescription, pt uint8) map[string]string {
	out := map[string]string{}
	prefix := strconv.Itoa(int(pt)) + " "
	for _, a := range md.Attributes {
		if a.Key != "fmtp" || !strings.HasPrefix(strings.TrimSpace(a.Value), prefix) {
			continue
		}
		for _, kv := range strings.Split(strings.TrimPrefix(strings.TrimSpace(a.Value), prefix), ";") {
			k, v, _ := strings.Cut(strings.TrimSpace(kv), "=")
			out[strings.ToLower(strings.TrimSpace(k))] = strings.TrimSpace(v)
		}
	}
	return out
}

// opusParams reads the peer's Opus fmtp (absent values keep RFC 7587's defaults).
func opusParams(md *psdp.MediaDescription, pt uint8) OpusParams {
	f := fmtpOf(md, pt)
	rate := func(k string) int {
		v, err := strconv.Atoi(f[k])
		if err != nil || v < 8000 || v > 48000 {
			return 0
		}
		return v
	}
	return OpusParams{
		FEC:             f["useinbandfec"] == "1",
		MaxPlaybackRate: rate("maxplaybackrate"),
		MaxCaptureRate:  rate("sprop-maxcapturerate"),
		Stereo:          f["stereo"] == "1",

		MaxAverageBitrate: bitrate(f["maxaveragebitrate"]),
	}
}

// bitrate reads a maxaveragebitrate value; out of RFC 7587's range it is ignored (0).
func bitrate(v string) int {
	n, err := strconv.Atoi(v)
	if err != nil || n < 6000 || n > 510000 {
		return 0
	}
	return n
}
