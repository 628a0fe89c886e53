package phone

import (
	"bufio"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Replaces names one dialog (RFC 3891): its Call-ID and the two tags as the receiver of the
// Replaces sees them (ToTag = the receiver's own tag, FromTag = its peer's).
type Replaces struct {
	CallID, ToTag, FromTag string
	EarlyOnly              bool
}

// String is the header value: callid;to-tag=..;from-tag=..
func (r Replaces) String() string {
	s := r.CallID + ";to-tag=" + r.ToTag + ";from-tag=" + r.FromTag
	if r.EarlyOnly {
		s += ";early-only"
	}
	return s
}

// parseReplaces reads a Replaces header value.
func parseReplaces(v string) (Replaces, error) {
	parts := strings.Split(strings.TrimSpace(v), ";")
	r := Replaces{CallID: strings.TrimSpace(parts[0])}
	if r.CallID == "" {
		return Replaces{}, fmt.Errorf("Replaces %q: no Call-ID", v)
	}
	for _, p := range parts[1:] {
		k, val, _ := strings.Cut(strings.TrimSpace(p), "=")
		switch strings.ToLower(strings.TrimSpace(k)) {
		case "to-tag":
			r.ToTag = strings.TrimSpace(val)
		case "from-tag":
			r.FromTag = strings.TrimSpace(val)
		case "early-only":
			r.EarlyOnly = true
		}
	}
	if r.ToTag == "" || r.FromTag == "" {
		return Replaces{}, fmt.Errorf("Replaces %q: needs to-tag and from-tag", v)
	}
	return r, nil
}

// ReferTo is a Refer-To header: where to call, and the dialog that call replaces (attended).
type ReferTo struct {
	URI      string    // the target URI without headers
	Replaces *Replaces // from the URI's ?Replaces= header, nil for a blind transfer
}

// String is the header value, the Replaces escaped into the URI's headers (RFC 3891 §5).
func (r ReferTo) String() string {
	if r.Replaces == nil {
		return "<" + r.URI + ">"
	}
	return "<" + r.URI + "?Replaces=" + escapeURIHeader(r.Replaces.String()) + ">"
}

// escapeURIHeader escapes a header value for a SIP URI's ?headers (RFC 3261 hvalue).
func escapeURIHeader(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		ch := s[i]
		if ch < 0x80 && (('a' <= ch && ch <= 'z') || ('A' <= ch && ch <= 'Z') || ('0' <= ch && ch <= '9') ||
			strings.IndexByte("-_.!~*'()[]/?:+$", ch) >= 0) {
			b.WriteByte(ch)
			continue
		}
		fmt.Fprintf(&b, "%%%02X", ch)
	}
	return b.String()
}

// parseReferTo reads a Refer-To header value: <uri?headers>;params, or a bare URI.
func parseReferTo(v string) (ReferTo, error) {
	v = strings.TrimSpace(v)
	if i := strings.IndexByte(v, '<'); i >= 0 {
		j := strings.IndexByte(v[i:], '>')
		if j < 0 {
			return ReferTo{}, fmt.Errorf("Refer-To %q: no closing '>'", v)
		}
		v = v[i+1 : i+j]
	} else if k := strings.IndexByte(v, ';'); k >= 0 && !strings.Contains(v[:k], "?") {
		v = v[:k] // bare URI: the params belong to the header
	}
	uri, headers, _ := strings.Cut(v, "?")
	if uri == "" {
		return ReferTo{}, fmt.Errorf("Refer-To: empty URI")
	}
	rt := ReferTo{URI: uri}
	for _, h := range strings.Split(headers, "&") {
		name, val, ok := strings.Cut(h, "=")
		if !ok || !strings.EqualFold(name, "Replaces") {
			continue
		}
		raw, err := url.PathUnescape(val)
		if err != nil {
			return ReferTo{}, fmt.Errorf("Refer-To Replaces %q: %w", val, err)
		}
		r, err := parseReplaces(raw)
		if err != nil {
			return ReferTo{}, err
		}
		rt.Replaces = &r
	}
	return rt, nil
}

// parseSipfrag reads the status code of a message/sipfrag body ("SIP/2.0 200 OK").
func parseSipfrag(body []byte) (int, string, error) {
	sc := bufio.NewScanner(strings.NewReader(string(body)))
	if !sc.Scan() {
		return 0, "", fmt.Errorf("sipfrag: empty body")
	}
	line := strings.TrimSpace(sc.Text())
	ver, rest, ok := strings.Cut(line, " ")
	if !ok || !strings.HasPrefix(strings.ToUpper(ver), "SIP/") {
		return 0, "", fmt.Errorf("sipfrag %q: not a status line", line)
	}
	codeStr, reason, _ := strings.Cut(rest, " ")
	code, err := strconv.Atoi(codeStr)
	if err != nil || code < 100 || code > 699 {
		return 0, "", fmt.Errorf("sipfrag %q: bad status code", line)
	}
	return code, strings.TrimSpace(reason), nil
}
