// Package config loads sipterm's TOML configuration. Every error names the file, the line and the key.
package config

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"github.com/sipterm/sipterm/assets"
	"net/netip"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/emiago/sipgo/sip"
	"github.com/pelletier/go-toml/v2"
)

// Config is the whole configuration. Field names are the TOML keys (none may be renamed).
type Config struct {
	Listen      string    `toml:"listen"`       // SIP on UDP and TCP at this address
	Audio       string    `toml:"audio"`        // portaudio, pulse, null or file
	AudioDevice string    `toml:"audio_device"` // PortAudio device name (substring); empty: the default
	Play        string    `toml:"play"`         // with audio = "file": what the phone sends (looped)
	Record      string    `toml:"record"`       // with audio = "file": what the phone receives
	AutoAnswer  string    `toml:"auto_answer"`  // default for every account: answer after this long
	RTPPorts    string    `toml:"rtp_ports"`    // "10000-20000"
	RTPTimeout  string    `toml:"rtp_timeout"`  // end an established call after this long without RTP; "0s" = never
	SIPTrace    string    `toml:"sip_trace"`    // write every SIP message to this file
	LogFile     string    `toml:"log_file"`     // where the log goes (default: stderr in headless mode, a file under the TUI)
	LogLevel    string    `toml:"log_level"`    // debug, info, warn, error
	HistoryFile string    `toml:"history_file"` // ended calls as JSON lines (default under the TUI: the state dir)
	UserAgent   string    `toml:"user_agent"`
	ListenTLS   string    `toml:"listen_tls"` // SIP over TLS at this address; empty: no TLS listener
	TLSCert     string    `toml:"tls_cert"`   // PEM certificate (chain) of the TLS listener
	TLSKey      string    `toml:"tls_key"`    // PEM private key of the TLS listener
	UI          UIConfig  `toml:"ui"`
	Accounts    []Account `toml:"accounts"`
	Policies    []Policy  `toml:"policy"` // the answer policy (policy.go)

	// Limits against floods and scanners (phone/screen.go).
	MaxCalls  int `toml:"max_calls"`  // live calls at most; more incoming get 486 (default 8)
	RateLimit int `toml:"rate_limit"` // new requests per second per source address (default 50, 0: off)
	MaxSetups int `toml:"max_setups"` // INVITEs being set up at once; more get 503 + Retry-After (default 64)
	// limitsChecked: validated once already, so a 0 rate_limit is the file's "off", not absent
	// (main validates the flags again over a copy, without the file's text)
	limitsChecked bool

	// Do-not-disturb (phone/dnd.go).
	DND     bool `toml:"dnd"`      // start with do-not-disturb on
	DNDCode int  `toml:"dnd_code"` // what incoming calls get while it is on (default 486)
	// Many lines (phone/lines.go): answering or dialing a call holds the others. Unset: true,
	// except with the global --auto-answer (an unattended endpoint takes calls side by side).
	CallWaiting *bool `toml:"call_waiting"`
	// CaptureDir: write a pcap and a JSON summary of every call here when it ends (phone/capture.go).
	CaptureDir string `toml:"capture_dir"`
	// The Opus encoder of every call (phone/media/opus.go): complexity 0-10 (unset: 5) and
	// bits/s (0: libopus's automatic rate).
	OpusComplexity *int `toml:"opus_complexity"`
	OpusBitrate    int  `toml:"opus_bitrate"`

	// Derived by Validate.
	Path          string           `toml:"-"`
	AutoAnswerDur *time.Duration   `toml:"-"`
	RTPPortMin    int              `toml:"-"`
	RTPPortMax    int              `toml:"-"`
	RTPTimeoutDur time.Duration    `toml:"-"`
	TLSCertPair   *tls.Certificate `toml:"-"`
	// ListenExplicit: listen was given (file or flag); a busy port then stops start-up
	// instead of falling back to a free one.
	ListenExplicit bool `toml:"-"`
}

// UIConfig holds the terminal UI's settings.
type UIConfig struct {
	Theme string `toml:"theme"` // default, mono
}

// Account is one SIP identity.
type Account struct {
	Name        string `toml:"name"`
	AOR         string `toml:"aor"`
	Registrar   string `toml:"registrar"` // empty: no registration (direct IP)
	Username    string `toml:"username"`  // digest user; defaults to the AOR user
	Password    string `toml:"password"`
	PasswordEnv string `toml:"password_env"`
	PasswordCmd string `toml:"password_cmd"`
	AutoAnswer  string `toml:"auto_answer"`
	Expires     int    `toml:"expires"`        // requested registration lifetime in seconds (default 300)
	Proxy       string `toml:"outbound_proxy"` // send every request of this account here
	Transport   string `toml:"transport"`      // udp, tcp or tls (default: tls for sips:, else the registrar's ;transport=, else udp)
	CAFile      string `toml:"ca_file"`        // PEM CA certificates trusted for this account's TLS servers (plus the system roots)
	TLSInsecure bool   `toml:"tls_insecure"`   // skip TLS server verification (explicit opt-in, shown in the UI)
	// MediaEncryption: "none" (default), "srtp" (SDES-SRTP required) or "srtp-optional".
	MediaEncryption string `toml:"media_encryption"`
	Keepalive       string `toml:"keepalive"`   // NAT keep-alive period toward the registrar/proxy (default 15s; "0s" = off)
	StunServer      string `toml:"stun_server"` // host:port asked for each call's public RTP address (empty: none)

	// RFC 4028 session timers (session_timer.go).
	SessionTimer    string        `toml:"session_timer"`  // interval we ask for (default 1800s; "0s" = off)
	SessionMinSE    string        `toml:"session_min_se"` // shortest interval we accept (default 90s, the RFC's floor)
	SessionTimerDur time.Duration `toml:"-"`              // derived: 0 = no session timer
	SessionMinSEDur time.Duration `toml:"-"`
	// Codecs is the codec preference, best first, in SDP spelling (default DefaultCodecs).
	Codecs []string `toml:"codecs"`

	// Who may ring this account (phone/screen.go).
	AcceptFrom []string `toml:"accept_from"` // CIDRs calls may come from (default: registrar/proxy, or anywhere for direct IP)
	Aliases    []string `toml:"aliases"`     // more Request-URI users that ring ("" = a URI with no user)

	// When the peer transfers us (phone/refer_in.go): accept (default), ask or reject.
	ReferPolicy string `toml:"refer_policy"`

	// Derived by Validate.
	AORURI        sip.Uri        `toml:"-"`
	RegistrarURI  *sip.Uri       `toml:"-"`
	ProxyURI      *sip.Uri       `toml:"-"`
	AutoAnswerDur *time.Duration `toml:"-"`
	TransportName string         `toml:"-"` // "udp", "tcp" or "tls", always set
	CAPool        *x509.CertPool `toml:"-"` // the certificates of ca_file (nil: none)
	KeepaliveDur  time.Duration  `toml:"-"`
	AcceptNets    []netip.Prefix `toml:"-"` // parsed accept_from (nil: the default)

	// Timers and DTMF (phone/timers.go, phone/dtmf_info.go).
	RingTimeout     string `toml:"ring_timeout"`      // outgoing: CANCEL after this long without an answer (default 60s, "0s" = never)
	NoAnswer        string `toml:"no_answer"`         // incoming: refuse with 480 (or forward) after ringing this long (empty/"0s" = ring on)
	NoAnswerForward string `toml:"no_answer_forward"` // with no_answer: send 302 to this URI instead of 480
	DTMFMode        string `toml:"dtmf_mode"`         // rfc4733, info or auto (default: RFC 4733 when negotiated, else INFO)
	// Derived.
	RingTimeoutDur     time.Duration `toml:"-"` // 0: no ring timeout
	NoAnswerDur        time.Duration `toml:"-"` // 0: ring until the caller gives up
	NoAnswerForwardURI *sip.Uri      `toml:"-"`
}

// Error is a configuration error at a place in a file.
type Error struct {
	File string
	Line int    // 0 when unknown
	Key  string // dotted key, e.g. accounts[2].auto_answer
	Msg  string
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	if e.Line > 0 {
		fmt.Fprintf(&b, ":%d", e.Line)
	}
	if e.Key != "" {
		fmt.Fprintf(&b, ": key %q", e.Key)
	}
	b.WriteString(": ")
	b.WriteString(e.Msg)
	return b.String()
}

// DefaultPath is $XDG_CONFIG_HOME/sipterm/config.toml (or ~/.config/...).
func DefaultPath() string {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			return ""
		}
		dir = filepath.Join(home, ".config")
	}
	return filepath.Join(dir, "sipterm", "config.toml")
}

// Load reads and validates a config file.
func Load(path string) (*Config, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("reading config: %w", err)
	}
	return Parse(path, data)
}

// Parse decodes and validates config text; name is used in error messages.
func Parse(name string, data []byte) (*Config, error) {
	cfg := &Config{}
	dec := toml.NewDecoder(bytes.NewReader(data))
	dec.DisallowUnknownFields()
	if err := dec.Decode(cfg); err != nil {
		return nil, decodeError(name, err)
	}
	cfg.Path = name
	cfg.ListenExplicit = cfg.Listen != ""
	if err := cfg.Validate(data); err != nil {
		return nil, err
	}
	return cfg, nil
}

func decodeError(name string, err error) error {
	var strict *toml.StrictMissingError
	if errors.As(err, &strict) && len(strict.Errors) > 0 {
		var errs []error
		for i := range strict.Errors {
			e := &strict.Errors[i]
			row, _ := e.Position()
			errs = append(errs, &Error{File: name, Line: row, Key: strings.Join(e.Key(), "."), Msg: "unknown key"})
		}
		return errors.Join(errs...)
	}
	var de *toml.DecodeError
	if errors.As(err, &de) {
		row, _ := de.Position()
		msg := strings.TrimPrefix(de.Error(), "toml: ")
		return &Error{File: name, Line: row, Key: strings.Join(de.Key(), "."), Msg: msg}
	}
	return &Error{File: name, Msg: err.Error()}
}

// Defaults returns the embedded defaults: one direct-IP account, listening on 0.0.0.0:5060.
func Defaults() *Config {
	cfg, err := Parse("(embedded defaults)", []byte(DefaultText))
	if err != nil {
		panic("embedded default config is invalid: " + err.Error())
	}
	return cfg
}

// DefaultText is the embedded default configuration, also the template --print-config prints:
// assets/config.toml.
var DefaultText = assets.ConfigTemplate

// Validate checks values and fills the derived fields; data (the file text) is used to find lines.
func (c *Config) Validate(data []byte) error {
	loc := newLocator(data)
	fail := func(key, msg string) error {
		return &Error{File: c.Path, Line: loc.line(key), Key: key, Msg: msg}
	}
	if c.Listen == "" {
		c.Listen = "0.0.0.0:5060"
	}
	if ap, err := netip.ParseAddrPort(c.Listen); err != nil {
		return fail("listen", fmt.Sprintf("bad address %q: want IP:PORT or [IPv6]:PORT", c.Listen))
	} else if ap.Addr().Zone() != "" {
		return fail("listen", fmt.Sprintf("address %q has a zone: SIP and SDP cannot carry it; use [::] or a global address", c.Listen))
	}
	switch c.Audio {
	case "":
		c.Audio = "portaudio"
	case "portaudio", "pulse", "null", "file":
	default:
		return fail("audio", fmt.Sprintf("unknown audio kind %q: want portaudio, pulse, null or file", c.Audio))
	}
	if c.AutoAnswer != "" {
		d, err := parseDelay(c.AutoAnswer)
		if err != nil {
			return fail("auto_answer", err.Error())
		}
		c.AutoAnswerDur = &d
	}
	if c.RTPPorts == "" {
		c.RTPPorts = "10000-20000"
	}
	lo, hi, ok := parseRange(c.RTPPorts)
	if !ok {
		return fail("rtp_ports", fmt.Sprintf("bad port range %q: want LOW-HIGH within 1024-65535", c.RTPPorts))
	}
	c.RTPPortMin, c.RTPPortMax = lo, hi
	if c.RTPTimeout == "" {
		c.RTPTimeout = "30s"
	}
	d, err := parseDelay(c.RTPTimeout)
	if err != nil {
		return fail("rtp_timeout", err.Error())
	}
	c.RTPTimeoutDur = d
	if c.CaptureDir != "" {
		if fi, err := os.Stat(c.CaptureDir); err == nil && !fi.IsDir() {
			return fail("capture_dir", fmt.Sprintf("%q is not a directory", c.CaptureDir))
		}
	}
	switch c.LogLevel {
	case "", "debug", "info", "warn", "error":
	default:
		return fail("log_level", fmt.Sprintf("unknown level %q: want debug, info, warn or error", c.LogLevel))
	}
	switch c.UI.Theme {
	case "":
		c.UI.Theme = "default"
	case "default", "mono":
	default:
		return fail("ui.theme", fmt.Sprintf("unknown theme %q: want default or mono", c.UI.Theme))
	}
	if err := c.validateLimits(c.limitsChecked || loc.line("rate_limit") > 0); err != nil {
		return fail(err.key, err.msg)
	}
	if err := c.validateOpus(); err != nil {
		return fail(err.key, err.msg)
	}
	names := map[string]bool{}
	for i := range c.Accounts {
		a := &c.Accounts[i]
		key := func(k string) string { return fmt.Sprintf("accounts[%d].%s", i+1, k) }
		if a.AOR == "" {
			return fail(key("aor"), "every account needs an aor (sip:user@domain)")
		}
		u, err := ParseURI(a.AOR)
		if err != nil {
			return fail(key("aor"), err.Error())
		}
		if u.User == "" {
			return fail(key("aor"), fmt.Sprintf("%q has no user part", a.AOR))
		}
		a.AORURI = u
		if a.Name == "" {
			a.Name = u.User
		}
		if names[a.Name] {
			return fail(key("name"), fmt.Sprintf("account name %q is used twice", a.Name))
		}
		names[a.Name] = true
		if a.Registrar != "" {
			r, err := ParseURI(a.Registrar)
			if err != nil {
				return fail(key("registrar"), err.Error())
			}
			a.RegistrarURI = &r
		}
		if a.Proxy != "" {
			p, err := ParseURI(a.Proxy)
			if err != nil {
				return fail(key("outbound_proxy"), err.Error())
			}
			a.ProxyURI = &p
		}
		if a.Username == "" {
			a.Username = u.User
		}
		set := 0
		for _, s := range []string{a.Password, a.PasswordEnv, a.PasswordCmd} {
			if s != "" {
				set++
			}
		}
		if set > 1 {
			return fail(key("password"), "set only one of password, password_env and password_cmd")
		}
		if a.AutoAnswer != "" {
			d, err := parseDelay(a.AutoAnswer)
			if err != nil {
				return fail(key("auto_answer"), err.Error())
			}
			a.AutoAnswerDur = &d
		}
		if err := a.validateSessionTimer(); err != nil {
			return fail(key(err.key), err.msg)
		}
		switch a.MediaEncryption {
		case "":
			a.MediaEncryption = "none"
		case "none", "srtp", "srtp-optional":
		default:
			return fail(key("media_encryption"), fmt.Sprintf("unknown value %q: want none, srtp or srtp-optional", a.MediaEncryption))
		}
		switch a.ReferPolicy {
		case "":
			a.ReferPolicy = "accept"
		case "accept", "ask", "reject":
		default:
			return fail(key("refer_policy"), fmt.Sprintf("unknown value %q: want accept, ask or reject", a.ReferPolicy))
		}
		if err := a.validateScreening(); err != nil {
			return fail(key(err.key), err.msg)
		}
		if a.Expires == 0 {
			a.Expires = 300
		}
		if a.Expires < 10 || a.Expires > 86400 {
			return fail(key("expires"), fmt.Sprintf("%d is out of range 10..86400 seconds", a.Expires))
		}
		if k, msg := a.validateTLS(); msg != "" {
			return fail(key(k), msg)
		}
		if err := a.validateNAT(); err != nil {
			return fail(key(err.key), err.msg)
		}
		if err := a.validateTimers(); err != nil {
			return fail(key(err.key), err.msg)
		}
		if err := a.validateCodecs(); err != nil {
			return fail(key(err.key), err.msg)
		}
	}
	if err := c.validateDND(); err != nil {
		return fail(err.key, err.msg)
	}
	if k, msg := c.validateListenTLS(); msg != "" {
		return fail(k, msg)
	}
	if err := c.validatePolicies(); err != nil {
		return fail(err.key, err.msg)
	}
	if len(c.Accounts) == 0 {
		u, _ := ParseURI("sip:sipterm@127.0.0.1")
		c.Accounts = []Account{{Name: "local", AOR: u.String(), AORURI: u, Username: "sipterm", Expires: 300, TransportName: "udp", MediaEncryption: "none", Codecs: append([]string(nil), DefaultCodecs...)}}
		_ = c.Accounts[0].validateTimers() // empty values: the defaults, never an error
	}
	return nil
}

// Secret resolves the account's password from password, password_env or password_cmd.
func (a *Account) Secret() (string, error) {
	switch {
	case a.Password != "":
		return a.Password, nil
	case a.PasswordEnv != "":
		v, ok := os.LookupEnv(a.PasswordEnv)
		if !ok {
			return "", fmt.Errorf("account %s: environment variable %s is not set", a.Name, a.PasswordEnv)
		}
		return v, nil
	case a.PasswordCmd != "":
		out, err := exec.Command("sh", "-c", a.PasswordCmd).Output()
		if err != nil {
			return "", fmt.Errorf("account %s: password_cmd failed: %w", a.Name, err)
		}
		return strings.TrimRight(string(out), "\r\n"), nil
	}
	return "", nil
}

// ParseURI parses a sip:/sips: URI (the scheme may be left out).
func ParseURI(s string) (sip.Uri, error) {
	var u sip.Uri
	s = strings.TrimSpace(s)
	s = strings.TrimSuffix(strings.TrimPrefix(s, "<"), ">")
	if !strings.HasPrefix(s, "sip:") && !strings.HasPrefix(s, "sips:") {
		s = "sip:" + s
	}
	if err := sip.ParseUri(s, &u); err != nil {
		return u, fmt.Errorf("bad SIP URI %q: %w", s, err)
	}
	if u.Host == "" {
		return u, fmt.Errorf("bad SIP URI %q: no host", s)
	}
	if strings.ContainsAny(u.Host, " \t") || !validHost(u.Host) {
		return u, fmt.Errorf("bad SIP URI %q: bad host %q", s, u.Host)
	}
	return u, nil
}

func validHostname(h string) bool {
	if h == "" || len(h) > 253 {
		return false
	}
	for _, r := range h {
		if !(r == '.' || r == '-' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// parseDelay parses a Go duration that must not be negative.
func parseDelay(s string) (time.Duration, error) {
	d, err := time.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("bad duration %q: want e.g. 0s, 3s, 1m", s)
	}
	if d < 0 {
		return 0, fmt.Errorf("duration %q is negative", s)
	}
	return d, nil
}

// ParseDelay is parseDelay for flags.
func ParseDelay(s string) (time.Duration, error) { return parseDelay(s) }

func parseRange(s string) (lo, hi int, ok bool) {
	a, b, found := strings.Cut(s, "-")
	if !found {
		return 0, 0, false
	}
	lo, err1 := strconv.Atoi(strings.TrimSpace(a))
	hi, err2 := strconv.Atoi(strings.TrimSpace(b))
	if err1 != nil || err2 != nil || lo < 1024 || hi > 65535 || hi-lo < 2 {
		return 0, 0, false
	}
	return lo, hi, true
}
