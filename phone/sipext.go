package phone

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/emiago/sipgo/sip"
)

// SIP extensions (option tags) we implement: what goes in Supported, and what a Require may ask.
const (
	tag100rel = "100rel" // RFC 3262 reliable provisional responses (prack.go)
	tagTimer  = "timer"  // RFC 4028 session timers (session_timer.go)
	// RFC 3891 Replaces (replaces.go): transferors check for it before an attended transfer.
	tagReplaces = "replaces"
)

var implementedOptions = map[string]bool{tag100rel: true, tagTimer: true, tagReplaces: true}

// supportedValue is our Supported header value.
const supportedValue = tag100rel + ", " + tagTimer + ", " + tagReplaces

// optionTags lists the option tags of every header of that name, lower-case, in order.
func optionTags(m sip.Message, header string) []string {
	var tags []string
	for _, h := range m.GetHeaders(header) {
		for _, t := range strings.Split(h.Value(), ",") {
			if t = strings.ToLower(strings.TrimSpace(t)); t != "" {
				tags = append(tags, t)
			}
		}
	}
	return tags
}

// hasOption: does the message list tag in a Supported or Require header (both, for header "")?
func hasOption(m sip.Message, header, tag string) bool {
	headers := []string{header}
	if header == "" {
		headers = []string{"Supported", "Require"}
	}
	for _, h := range headers {
		for _, t := range optionTags(m, h) {
			if t == tag {
				return true
			}
		}
	}
	return false
}

// unsupportedRequire lists the Require option tags we do not implement (RFC 3261 §8.2.2.3).
func unsupportedRequire(req *sip.Request) []string {
	var out []string
	for _, t := range optionTags(req, "Require") {
		if !implementedOptions[t] {
			out = append(out, t)
		}
	}
	return out
}

// unsupportedRefusal is a 420 naming the Require option tags we do not implement.
func unsupportedRefusal(req *sip.Request) refusal {
	missing := unsupportedRequire(req)
	if len(missing) == 0 {
		return refusal{}
	}
	return refusal{code: 420, reason: "Bad Extension",
		headers: []sip.Header{sip.NewHeader("Unsupported", strings.Join(missing, ", "))},
		why:     "the caller requires an extension we do not implement: " + strings.Join(missing, ", ")}
}

// refuseUnsupported answers an in-dialog request with 420 naming what we do not implement;
// false when nothing is missing. (A new INVITE is screened: unsupportedRefusal.)
func (p *Phone) refuseUnsupported(req *sip.Request, tx sip.ServerTransaction) bool {
	r := unsupportedRefusal(req)
	if r.code == 0 {
		return false
	}
	r.why = "" // in a call: no refused-call event
	p.sendRefusal(req, tx, r)
	return true
}

// knownMethods are the SIP methods of the standards sipterm knows; one without a handler gets
// 405 with our Allow, anything else 501 (RFC 3261 §8.2.1).
var knownMethods = map[sip.RequestMethod]bool{
	sip.INVITE: true, sip.ACK: true, sip.CANCEL: true, sip.BYE: true, sip.REGISTER: true, sip.OPTIONS: true,
	sip.SUBSCRIBE: true, sip.NOTIFY: true, sip.REFER: true, sip.INFO: true, sip.MESSAGE: true, sip.PRACK: true,
	sip.UPDATE: true, sip.PUBLISH: true,
}

// notAllowed answers a request whose method we know but do not take (405), or do not know (501).
func (p *Phone) notAllowed(req *sip.Request, tx sip.ServerTransaction) {
	if !knownMethods[req.Method] {
		respond(p, req, tx, 501, "Not Implemented")
		return
	}
	res := sip.NewResponseFromRequest(req, 405, "Method Not Allowed", nil)
	res.AppendHeader(sip.NewHeader("Allow", allowedMethods))
	p.reply(req, tx, res)
}

// parseRSeq reads an RSeq header value (RFC 3262 §7.1: 1 to 2**31-1).
func parseRSeq(v string) (uint32, error) {
	n, err := strconv.ParseUint(strings.TrimSpace(v), 10, 32)
	if err != nil || n == 0 || n >= 1<<31 {
		return 0, fmt.Errorf("bad RSeq %q", v)
	}
	return uint32(n), nil
}

// rack is an RAck header (RFC 3262 §7.2): the RSeq and CSeq of the response it acknowledges.
type rack struct {
	RSeq, CSeq uint32
	Method     sip.RequestMethod
}

func (r rack) String() string { return fmt.Sprintf("%d %d %s", r.RSeq, r.CSeq, r.Method) }

func parseRAck(v string) (rack, error) {
	f := strings.Fields(v)
	if len(f) != 3 {
		return rack{}, fmt.Errorf("bad RAck %q: want RSEQ CSEQ METHOD", v)
	}
	rs, err := parseRSeq(f[0])
	if err != nil {
		return rack{}, fmt.Errorf("bad RAck %q: %w", v, err)
	}
	cs, err := strconv.ParseUint(f[1], 10, 32)
	if err != nil {
		return rack{}, fmt.Errorf("bad RAck %q: bad CSeq", v)
	}
	return rack{RSeq: rs, CSeq: uint32(cs), Method: sip.RequestMethod(strings.ToUpper(f[2]))}, nil
}

// sessionExpires is a Session-Expires header (RFC 4028 §4): delta-seconds and refresher.
type sessionExpires struct {
	Secs      int
	Refresher string // "uac", "uas" or "" (not yet chosen)
}

func (s sessionExpires) String() string {
	if s.Refresher == "" {
		return strconv.Itoa(s.Secs)
	}
	return strconv.Itoa(s.Secs) + ";refresher=" + s.Refresher
}

func parseSessionExpires(v string) (sessionExpires, error) {
	parts := strings.Split(v, ";")
	n, err := strconv.Atoi(strings.TrimSpace(parts[0]))
	if err != nil || n <= 0 {
		return sessionExpires{}, fmt.Errorf("bad Session-Expires %q", v)
	}
	se := sessionExpires{Secs: n}
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		if strings.EqualFold(strings.TrimSpace(k), "refresher") {
			switch r := strings.ToLower(strings.TrimSpace(val)); r {
			case "uac", "uas":
				se.Refresher = r
			default:
				return sessionExpires{}, fmt.Errorf("bad Session-Expires %q: refresher must be uac or uas", v)
			}
		}
	}
	return se, nil
}

// parseMinSE reads a Min-SE header value (delta-seconds, parameters ignored).
func parseMinSE(v string) (int, error) {
	s, _, _ := strings.Cut(v, ";")
	n, err := strconv.Atoi(strings.TrimSpace(s))
	if err != nil || n <= 0 {
		return 0, fmt.Errorf("bad Min-SE %q", v)
	}
	return n, nil
}

// headerSessionExpires reads Session-Expires (or its compact form x); ok false when absent.
func headerSessionExpires(m sip.Message) (sessionExpires, bool, error) {
	hs := m.GetHeaders("Session-Expires")
	if len(hs) == 0 {
		hs = m.GetHeaders("x")
	}
	if len(hs) == 0 {
		return sessionExpires{}, false, nil
	}
	se, err := parseSessionExpires(hs[0].Value())
	return se, err == nil, err
}

// headerMinSE reads Min-SE (0 when absent or unreadable).
func headerMinSE(m sip.Message) int {
	if hs := m.GetHeaders("Min-SE"); len(hs) > 0 {
		if n, err := parseMinSE(hs[0].Value()); err == nil {
			return n
		}
	}
	return 0
}
