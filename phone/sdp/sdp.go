// Package sdp is sipterm's SDP offer/answer (RFC 3264) for one audio stream: Opus, G.722, PCMU,
// PCMA, telephone-event at each codec's clock and comfort noise. It wraps pion/sdp and adds what that library leaves out: a codec map per
// m-line (pion's is session-wide), direction with session-level fallback, and RFC 2543 hold
// (c=0.0.0.0). It imports nothing of sipterm.
package sdp

import (
	"errors"
	"fmt"
	"net/netip"
	"slices"
	"strconv"
	"strings"

	psdp "github.com/pion/sdp/v3"
)

// Codec is an audio payload format.
type Codec struct {
	PT   uint8
	Name string // "opus", "G722", "PCMU", "PCMA"
	Rate int    // RTP clock rate as in rtpmap (8000 for G722)
	// Channels is rtpmap's channel count when it must be given (opus/48000/2), else 0.
	Channels int
}

// Supported codecs in our preference order.
var (
	PCMU      = Codec{PT: 0, Name: "PCMU", Rate: 8000}
	PCMA      = Codec{PT: 8, Name: "PCMA", Rate: 8000}
	Preferred = []Codec{Opus, G722, PCMU, PCMA}
)

// DefaultDTMFPT is the telephone-event payload type we offer.
const DefaultDTMFPT = 101

// Direction values as they appear in SDP.
const (
	SendRecv = "sendrecv"
	SendOnly = "sendonly"
	RecvOnly = "recvonly"
	Inactive = "inactive"
)

// ErrMalformed means the SDP could not be parsed: answer 400 (or 488).
var ErrMalformed = errors.New("malformed SDP")

// ErrNotAcceptable means no audio stream with a common codec: answer 488.
var ErrNotAcceptable = errors.New("no acceptable audio stream")

// Local describes our side of the media.
type Local struct {
	IP        netip.Addr
	Port      int
	SessionID uint64
	Version   uint64 // increase for every new offer/answer in a session
	Direction string // what we want: SendRecv normally, SendOnly while we hold
	Codecs    []Codec
	DTMFPT    uint8 // 0: do not offer telephone-event
	// Encryption is the media_encryption policy (EncNone, EncSRTP, EncOptional; "" = none) and
	// Crypto our SDES lines for it: the same keys are offered again in every re-offer.
	Encryption string
	Crypto     []Crypto
}

// Negotiated is the outcome of an offer/answer exchange, from our point of view.
type Negotiated struct {
	Remote    netip.AddrPort // where to send RTP; invalid when we must not send (0.0.0.0, port 0)
	Codec     Codec
	DTMFPT    uint8  // telephone-event PT agreed, 0 if none
	Direction string // what WE do: sendrecv, sendonly, recvonly, inactive
	RemoteDir string // what the peer said (after c=0.0.0.0 is read as sendonly)
	Ptime     int
	SRTP      *SRTP      // nil: plain RTP
	CNPT      uint8      // comfort noise PT the peer offered at the codec's clock, 0 if none
	Opus      OpusParams // the peer's Opus fmtp when Codec is opus
}

// Offer builds an SDP offer.
func Offer(l Local) []byte {
	codecs := l.Codecs
	if len(codecs) == 0 {
		codecs = Preferred
	}
	formats := make([]string, 0, len(codecs)+1)
	var attrs []psdp.Attribute
	for _, c := range codecs {
		formats = append(formats, strconv.Itoa(int(c.PT)))
		attrs = append(attrs, codecAttrs(c)...)
	}
	pts, rates := offerEvents(l, codecs)
	for i, pt := range pts {
		formats = append(formats, strconv.Itoa(int(pt)))
		attrs = append(attrs, eventAttrs(pt, rates[i])...)
	}
	if slices.ContainsFunc(codecs, func(c Codec) bool { return c.Rate == 8000 }) {
		// We play comfort noise (RFC 3389) but never send it: silence suppression is off.
		formats = append(formats, strconv.Itoa(CNPT))
		attrs = append(attrs, psdp.NewAttribute("rtpmap", fmt.Sprintf("%d CN/8000", CNPT)))
	}
	attrs = append(attrs, psdp.NewAttribute("ptime", "20"), psdp.NewPropertyAttribute(dirOr(l.Direction)))
	protos := []string{"RTP", "AVP"}
	if enc := encOr(l.Encryption); enc != EncNone {
		if enc == EncSRTP {
			protos = []string{"RTP", "SAVP"}
		}
		for _, c := range l.Crypto {
			attrs = append(attrs, psdp.NewAttribute("crypto", c.String()))
		}
	}
	return marshal(l, []*psdp.MediaDescription{{
		MediaName: psdp.MediaName{
			Media: "audio", Port: psdp.RangedPort{Value: l.Port}, Protos: protos, Formats: formats,
		},
		Attributes: attrs,
	}})
}

func marshal(l Local, media []*psdp.MediaDescription) []byte {
	ip := l.IP.Unmap()
	netType, addrType := "IN", "IP4"
	if ip.Is6() {
		addrType = "IP6"
	}
	sd := &psdp.SessionDescription{
		Origin: psdp.Origin{
			Username: "sipterm", SessionID: l.SessionID, SessionVersion: l.Version,
			NetworkType: netType, AddressType: addrType, UnicastAddress: ip.String(),
		},
		SessionName: "sipterm",
		ConnectionInformation: &psdp.ConnectionInformation{
			NetworkType: netType, AddressType: addrType, Address: &psdp.Address{Address: ip.String()},
		},
		TimeDescriptions:  []psdp.TimeDescription{{}},
		MediaDescriptions: media,
	}
	out, err := sd.Marshal()
	if err != nil {
		// Marshal only fails on impossible structures we never build.
		panic("sdp: marshal: " + err.Error())
	}
	return out
}

// Answer answers an offer. Errors wrap ErrMalformed or ErrNotAcceptable.
func Answer(offer []byte, l Local) (Negotiated, []byte, error) {
	sd, err := parse(offer)
	if err != nil {
		return Negotiated{}, nil, err
	}
	codecs := l.Codecs
	if len(codecs) == 0 {
		codecs = Preferred
	}
	var neg Negotiated
	chosen := -1
	var refusal error // why an audio m-line was refused for its security, not its codecs
	answerMedia := make([]*psdp.MediaDescription, 0, len(sd.MediaDescriptions))
	for i, md := range sd.MediaDescriptions {
		if chosen < 0 && md.MediaName.Media == "audio" && md.MediaName.Port.Value != 0 &&
			(isRTPAVP(md.MediaName.Protos) || isSAVP(md.MediaName.Protos)) {
			keying, why, err := answerCrypto(l, md)
			if err != nil {
				return Negotiated{}, nil, err
			}
			if why != nil {
				refusal = why
			} else if n, ok := negotiate(sd, md, codecs); ok {
				chosen = i
				neg = n
				neg.Direction = answerDirection(neg.RemoteDir, dirOr(l.Direction))
				var line *Crypto
				if keying != nil {
					neg.SRTP = &SRTP{Suite: keying.Suite, LocalKey: l.ourKey(keying.Suite), RemoteKey: keying.Key}
					line = &Crypto{Tag: keying.Tag, Suite: keying.Suite, Key: neg.SRTP.LocalKey}
				}
				answerMedia = append(answerMedia, answerAudio(l, n, neg.Direction, answerProtos(md.MediaName.Protos), line))
				continue
			}
		}
		answerMedia = append(answerMedia, rejected(md))
	}
	if chosen < 0 {
		if refusal != nil {
			return Negotiated{}, nil, refusal
		}
		return Negotiated{}, nil, ErrNotAcceptable
	}
	return neg, marshal(l, answerMedia), nil
}

// ParseAnswer reads the peer's answer (200 or 183 body) to our offer.
func ParseAnswer(answer []byte, l Local) (Negotiated, error) {
	sd, err := parse(answer)
	if err != nil {
		return Negotiated{}, err
	}
	codecs := l.Codecs
	if len(codecs) == 0 {
		codecs = Preferred
	}
	for _, md := range sd.MediaDescriptions {
		if md.MediaName.Media != "audio" || md.MediaName.Port.Value == 0 {
			continue
		}
		if n, ok := negotiate(sd, md, codecs); ok {
			keying, err := answerKeying(l, md)
			if err != nil {
				return Negotiated{}, err
			}
			n.SRTP = keying
			if l.DTMFPT == 0 {
				n.DTMFPT = 0
			}
			n.Direction = answerDirection(n.RemoteDir, dirOr(l.Direction))
			return n, nil
		}
	}
	return Negotiated{}, ErrNotAcceptable
}

// parse wraps pion's parser and never lets a panic through: any malformed input is ErrMalformed.
func parse(body []byte) (sd *psdp.SessionDescription, err error) {
	defer func() {
		if r := recover(); r != nil {
			sd, err = nil, fmt.Errorf("%w: %v", ErrMalformed, r)
		}
	}()
	if len(strings.TrimSpace(string(body))) == 0 {
		return nil, fmt.Errorf("%w: empty body", ErrMalformed)
	}
	sd = &psdp.SessionDescription{}
	if err := sd.UnmarshalString(string(body)); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrMalformed, err)
	}
	if len(sd.MediaDescriptions) == 0 {
		return nil, fmt.Errorf("%w: no m= line", ErrMalformed)
	}
	return sd, nil
}

func isRTPAVP(protos []string) bool {
	p := strings.ToUpper(strings.Join(protos, "/"))
	return p == "RTP/AVP" || p == "RTP/AVPF"
}

// rtpmapEntry is one format of one m-line, from its own rtpmap (or the static table).
type rtpmapEntry struct {
	name string
	rate int
}

// codecMap builds the payload map of ONE media description (pion's GetCodecForPayloadType
// looks across the whole session and mixes up dynamic PTs of different m-lines).
func codecMap(md *psdp.MediaDescription) map[uint8]rtpmapEntry {
	m := map[uint8]rtpmapEntry{}
	for _, f := range md.MediaName.Formats {
		pt, err := strconv.Atoi(f)
		if err != nil || pt < 0 || pt > 127 {
			continue
		}
		switch pt { // static payload types (RFC 3551) that may come without rtpmap
		case 0:
			m[0] = rtpmapEntry{"PCMU", 8000}
		case 8:
			m[8] = rtpmapEntry{"PCMA", 8000}
		case 9:
			m[9] = rtpmapEntry{"G722", 8000}
		case CNPT:
			m[CNPT] = rtpmapEntry{"CN", 8000}
		}
	}
	for _, a := range md.Attributes {
		if a.Key != "rtpmap" {
			continue
		}
		ptStr, rest, ok := strings.Cut(strings.TrimSpace(a.Value), " ")
		if !ok {
			continue
		}
		pt, err := strconv.Atoi(ptStr)
		if err != nil || pt < 0 || pt > 127 {
			continue
		}
		name, rateStr, _ := strings.Cut(strings.TrimSpace(rest), "/")
		rateStr, _, _ = strings.Cut(rateStr, "/")
		rate, _ := strconv.Atoi(rateStr)
		m[uint8(pt)] = rtpmapEntry{strings.ToUpper(name), rate}
	}
	return m
}

// negotiate picks our first preferred codec that the m-line offers.
func negotiate(sd *psdp.SessionDescription, md *psdp.MediaDescription, prefs []Codec) (Negotiated, bool) {
	offered := codecMap(md)
	var n Negotiated
	found := false
	for _, want := range prefs {
		for _, f := range md.MediaName.Formats { // keep the peer's PT for the codec
			pt, err := strconv.Atoi(f)
			if err != nil {
				continue
			}
			e, ok := offered[uint8(pt)]
			if ok && strings.EqualFold(e.name, want.Name) && (e.rate == want.Rate || e.rate == 0) {
				n.Codec = Codec{PT: uint8(pt), Name: want.Name, Rate: want.Rate, Channels: want.Channels}
				found = true
				break
			}
		}
		if found {
			break
		}
	}
	if !found {
		return n, false
	}
	for _, f := range md.MediaName.Formats {
		pt, err := strconv.Atoi(f)
		if err != nil {
			continue
		}
		e, ok := offered[uint8(pt)]
		if !ok || e.rate != n.Codec.Rate { // events and noise run at the audio codec's clock
			continue
		}
		if e.name == "TELEPHONE-EVENT" && n.DTMFPT == 0 {
			n.DTMFPT = uint8(pt)
		}
		if e.name == "CN" && n.CNPT == 0 {
			n.CNPT = uint8(pt)
		}
	}
	if strings.EqualFold(n.Codec.Name, Opus.Name) {
		n.Opus = opusParams(md, n.Codec.PT)
	}
	n.Ptime = 20
	for _, a := range md.Attributes {
		if a.Key == "ptime" {
			if p, err := strconv.Atoi(strings.TrimSpace(a.Value)); err == nil && p >= 10 && p <= 60 && p%10 == 0 {
				n.Ptime = p
			}
		}
	}
	if strings.EqualFold(n.Codec.Name, Opus.Name) {
		n.Ptime = 20 // we send one 20 ms Opus frame per packet (ptime is only a wish, RFC 7587 §6.1)
	}
	n.RemoteDir = direction(sd, md)
	addr := connectionAddr(sd, md)
	if addr.IsValid() && addr.IsUnspecified() {
		// RFC 2543 hold: c=0.0.0.0 means "do not send to me".
		if n.RemoteDir == SendRecv {
			n.RemoteDir = SendOnly
		} else if n.RemoteDir == RecvOnly {
			n.RemoteDir = Inactive
		}
	}
	port := md.MediaName.Port.Value
	if addr.IsValid() && !addr.IsUnspecified() && port > 0 && port < 65536 {
		n.Remote = netip.AddrPortFrom(addr, uint16(port))
	}
	return n, true
}

func connectionAddr(sd *psdp.SessionDescription, md *psdp.MediaDescription) netip.Addr {
	ci := md.ConnectionInformation
	if ci == nil {
		ci = sd.ConnectionInformation
	}
	if ci == nil || ci.Address == nil {
		return netip.Addr{}
	}
	a, err := netip.ParseAddr(ci.Address.Address)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap()
}

// direction reads the m-line's direction, else the session's, else sendrecv.
func direction(sd *psdp.SessionDescription, md *psdp.MediaDescription) string {
	for _, attrs := range [][]psdp.Attribute{md.Attributes, sd.Attributes} {
		for _, a := range attrs {
			switch a.Key {
			case SendRecv, SendOnly, RecvOnly, Inactive:
				return a.Key
			}
		}
	}
	return SendRecv
}

// answerDirection is what we do, given what the peer said and what we want.
func answerDirection(remote, want string) string {
	weSend := remote == SendRecv || remote == RecvOnly
	weRecv := remote == SendRecv || remote == SendOnly
	if want == SendOnly || want == Inactive {
		weRecv = false
	}
	if want == RecvOnly || want == Inactive {
		weSend = false
	}
	switch {
	case weSend && weRecv:
		return SendRecv
	case weSend:
		return SendOnly
	case weRecv:
		return RecvOnly
	}
	return Inactive
}

func answerAudio(l Local, n Negotiated, dir string, protos []string, crypto *Crypto) *psdp.MediaDescription {
	formats := []string{strconv.Itoa(int(n.Codec.PT))}
	attrs := codecAttrs(n.Codec)
	if n.DTMFPT != 0 && l.DTMFPT != 0 {
		formats = append(formats, strconv.Itoa(int(n.DTMFPT)))
		attrs = append(attrs, eventAttrs(n.DTMFPT, n.Codec.Rate)...)
	}
	if n.CNPT != 0 {
		formats = append(formats, strconv.Itoa(int(n.CNPT)))
		attrs = append(attrs, psdp.NewAttribute("rtpmap", fmt.Sprintf("%d CN/%d", n.CNPT, n.Codec.Rate)))
	}
	attrs = append(attrs, psdp.NewAttribute("ptime", strconv.Itoa(n.Ptime)), psdp.NewPropertyAttribute(dir))
	if crypto != nil {
		attrs = append(attrs, psdp.NewAttribute("crypto", crypto.String()))
	}
	return &psdp.MediaDescription{
		MediaName: psdp.MediaName{
			Media: "audio", Port: psdp.RangedPort{Value: l.Port}, Protos: protos, Formats: formats,
		},
		Attributes: attrs,
	}
}

// rejected answers an m-line we do not take: same media and formats, port 0 (RFC 3264 §6).
func rejected(md *psdp.MediaDescription) *psdp.MediaDescription {
	formats := md.MediaName.Formats
	if len(formats) > 1 {
		formats = formats[:1]
	}
	if len(formats) == 0 {
		formats = []string{"0"}
	}
	return &psdp.MediaDescription{MediaName: psdp.MediaName{
		Media: md.MediaName.Media, Port: psdp.RangedPort{Value: 0}, Protos: md.MediaName.Protos, Formats: formats,
	}}
}

func dirOr(d string) string {
	if d == "" {
		return SendRecv
	}
	return d
}
