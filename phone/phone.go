package phone

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/netip"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/audio"
	"github.com/sipterm/sipterm/phone/config"
)

// Options configures a Phone.
type Options struct {
	Config *config.Config
	Device audio.Device // sound for calls; nil = null device
	Logger *slog.Logger
	// Trace, when set, receives every SIP message in and out (time, addresses, passwords masked).
	Trace io.Writer
	// SIPEvents publishes every SIP message as an EventSIP (for the TUI's ladder).
	SIPEvents bool
	// Tones plays ringback, ring and busy tones on the device (the TUI wants them; headless not).
	Tones bool
	// HistoryFile, when set, keeps every ended call as a JSON line (loaded again at start).
	HistoryFile string
	// Capture keeps every call's SIP for export (capture.go); capture_dir implies it. It turns
	// sipgo's package-global trace hook on, so only one Phone per process should have it.
	Capture bool
}

// Phone is the core. Create it with New, start it with Start, end it with Close.
type Phone struct {
	cfg    *config.Config
	log    *slog.Logger
	dev    audio.Device
	events *hub
	tones  bool

	ua     *sipgo.UserAgent
	srv    *sipgo.Server
	cli    *sipgo.Client // UDP: every request leaves from the listening socket (sockets.go)
	tracer *tracer
	caps   captures       // per-call capture (capture.go)
	capWG  sync.WaitGroup // capture_dir writes still to come

	// cliStream sends over TCP (and other stream transports): a connection per peer, dialled
	// from an ephemeral port as stream transports must.
	cliStream *sipgo.Client

	host    string   // the address we put in Contact/Via/SDP
	port    int      // the SIP port we listen on
	listen  []string // "udp:127.0.0.1:5070", ...
	udpConn net.PacketConn
	tcpLn   net.Listener
	tlsLn   net.Listener // nil without listen_tls
	tlsPort int          // the TLS listener's port (0: none)
	mediaIP netip.Addr

	accounts []*Account
	hist     *history
	screen   *screener     // who may ring, rate limit, refusal counters (screen.go)
	setups   setupGate     // INVITEs being set up, for the overload 503 (overload.go)
	freeMem  memReturn     // frees memory to the OS after a burst of calls (memory.go)
	ended    *endedDialogs // dialogs that ended a moment ago (ended_dialogs.go)

	mu      sync.Mutex
	calls   map[string]*Call // our id -> call
	bySIPID map[string]*Call // Call-ID header -> call
	nextID  atomic.Uint64
	closing bool

	ctx    context.Context // the phone's lifetime: cancelled by Close, after the calls ended
	cancel context.CancelFunc
	grp    *group        // every goroutine the phone, a call, a command or a tone starts (group.go)
	closed chan struct{} // closed when Close has finished (a second Close waits for it)
	// stopCloseWith stops Start's context from closing the phone (Close is under way)
	stopCloseWith func() bool

	dnd    atomic.Bool // do-not-disturb (dnd.go)
	policy policyTable // the live answer policy (policy.go)
}

// New creates a Phone from a validated configuration.
func New(opts Options) (*Phone, error) {
	if opts.Config == nil {
		opts.Config = config.Defaults()
	}
	if opts.Logger == nil {
		opts.Logger = slog.New(slog.NewTextHandler(io.Discard, nil))
	}
	if opts.Device == nil {
		opts.Device = audio.NewNullDevice()
	}
	p := &Phone{
		cfg:     opts.Config,
		log:     opts.Logger,
		dev:     opts.Device,
		events:  newHub(),
		tones:   opts.Tones,
		calls:   map[string]*Call{},
		bySIPID: map[string]*Call{},
		ended:   newEndedDialogs(),
		grp:     newGroup(),
		closed:  make(chan struct{}),
	}
	setSIPGlobals(p.log)
	p.watchDevice()
	if opts.Trace != nil || opts.SIPEvents || opts.Capture || opts.Config.CaptureDir != "" {
		p.tracer = newTracer(p, opts.Trace, opts.SIPEvents)
	}
	for i := range p.cfg.Accounts {
		p.accounts = append(p.accounts, newAccount(p, &p.cfg.Accounts[i]))
	}
	p.screen = newScreener(p)
	p.setups.max = p.cfg.MaxSetups
	p.dnd.Store(p.cfg.DND)
	hist, bad, err := loadHistory(opts.HistoryFile)
	if err != nil {
		p.log.Warn("call history", "error", err)
	}
	if bad > 0 {
		p.log.Warn("call history: skipped lines that do not parse", "file", opts.HistoryFile, "lines", bad)
	}
	p.hist = hist
	return p, nil
}

// Subscribe returns a subscription to every event the phone publishes from now on.
func (p *Phone) Subscribe() *Subscription { return p.events.subscribe() }

func (p *Phone) publish(e Event) { p.events.publish(e) }

// Notice publishes and logs something a person should see (level info, warn or error).
func (p *Phone) Notice(level, msg string) { p.notice(level, msg) }

// notice publishes and logs something a person should see.
func (p *Phone) notice(level, msg string) {
	switch level {
	case "error":
		p.log.Error(msg)
	case "warn":
		p.log.Warn(msg)
	default:
		p.log.Info(msg)
	}
	p.publish(EventNotice{Level: level, Message: msg})
}

// Listen returns the addresses the phone listens on, e.g. "udp:127.0.0.1:5070".
func (p *Phone) Listen() []string { return append([]string(nil), p.listen...) }

// AudioDevice names the sound device in use.
func (p *Phone) AudioDevice() string { return p.dev.Name() }

// Start opens the SIP listeners (falling back to a free port only when the built-in default is
// busy; an explicit listen that is busy is an error),
// publishes EventReady and starts registering the accounts. Cancelling ctx later shuts the
// phone down as Close does (calls hung up first, so the phone's own context outlives ctx).
func (p *Phone) Start(ctx context.Context) error {
	p.ctx, p.cancel = context.WithCancel(context.WithoutCancel(ctx))
	listenAP, err := netip.ParseAddrPort(p.cfg.Listen)
	if err != nil {
		return fmt.Errorf("listen address %q: %w", p.cfg.Listen, err)
	}
	var portNotice string
	udpConn, tcpLn, err := bindPair(listenAP)
	if err != nil && p.cfg.ListenExplicit {
		return fmt.Errorf("opening SIP listeners on %s (set by listen or --listen; only the built-in default falls back to a free port): %w", listenAP, err)
	}
	if err != nil {
		want := listenAP
		listenAP = netip.AddrPortFrom(listenAP.Addr(), 0)
		udpConn, tcpLn, err = bindPair(listenAP)
		if err != nil {
			return fmt.Errorf("opening SIP listeners on %s: %w", listenAP.Addr(), err)
		}
		portNotice = fmt.Sprintf("SIP port %d is busy: listening on %s instead", want.Port(), udpConn.LocalAddr())
	}
	p.udpConn, p.tcpLn = udpConn, tcpLn
	p.port = udpConn.LocalAddr().(*net.UDPAddr).Port
	p.mediaIP = listenAP.Addr().Unmap()
	p.host = p.mediaIP.String()
	if p.mediaIP.IsUnspecified() {
		p.mediaIP = p.ownAddr(p.mediaIP)
		p.host = p.mediaIP.String()
	}
	p.listen = []string{
		"udp:" + netip.AddrPortFrom(listenAP.Addr(), uint16(p.port)).String(),
		"tcp:" + netip.AddrPortFrom(listenAP.Addr(), uint16(p.port)).String(),
	}

	tlsConf, tlsWarnings, err := clientTLSConfig(p.cfg.Accounts)
	if err != nil {
		return err
	}
	if err := p.listenTLS(); err != nil {
		return err
	}
	ua, err := sipgo.NewUA(sipgo.WithUserAgent(p.userAgent()), sipgo.WithUserAgentHostname(p.host),
		sipgo.WithUserAgenTLSConfig(tlsConf))
	if err != nil {
		return fmt.Errorf("creating SIP user agent: %w", err)
	}
	p.ua = ua
	p.srv, err = sipgo.NewServer(ua, sipgo.WithServerLogger(p.log.With("lib", "sipgo")))
	if err != nil {
		return fmt.Errorf("creating SIP server: %w", err)
	}
	p.cli, p.cliStream, err = p.newClients(ua)
	if err != nil {
		return err
	}
	p.srv.OnInvite(p.guard(p.onInvite))
	p.srv.OnAck(p.guard(p.onAck))
	p.srv.OnBye(p.guard(p.onBye))
	p.srv.OnCancel(p.guard(p.onCancel))
	p.srv.OnOptions(p.guard(p.onOptions))
	p.srv.OnInfo(p.guard(p.onInfo))
	p.srv.OnNotify(p.guard(p.onNotify))
	p.srv.OnRefer(p.guard(p.onRefer))
	p.srv.OnUpdate(p.guard(p.onUpdate))
	p.srv.OnPrack(p.guard(p.onPrack))
	p.srv.OnMessage(p.guard(p.onNoDialog))
	p.srv.OnNoRoute(p.guard(p.onNoRoute))

	if p.tracer != nil {
		p.tracer.start()
	}
	p.goPhone("serve tcp", func() { _ = p.srv.ServeTCP(tcpLn) })
	if p.tlsLn != nil {
		p.goPhone("serve tls", func() { _ = p.srv.ServeTLS(p.tlsLn) })
	}
	if err := p.serveUDP(ctx, udpConn); err != nil {
		return err
	}

	p.log.Info("SIP listening", "listen", p.listen, "contact_host", p.host, "audio", p.dev.Name())
	p.publish(EventReady{Listen: p.Listen()})
	if portNotice != "" {
		p.notice("warn", portNotice)
	}
	for _, w := range tlsWarnings {
		p.notice("warn", w)
	}
	for _, a := range p.accounts {
		a.start()
	}
	p.closeWith(ctx)
	return nil
}

func (p *Phone) userAgent() string {
	if p.cfg.UserAgent != "" {
		return p.cfg.UserAgent
	}
	return "sipterm/0.1"
}

func (p *Phone) firstRegistrarHost() string {
	for _, a := range p.cfg.Accounts {
		if a.RegistrarURI != nil {
			return bareHost(a.RegistrarURI.Host)
		}
	}
	return ""
}

// bindPair opens UDP and TCP on the same port (port 0: a free port that is free for both).
func bindPair(ap netip.AddrPort) (net.PacketConn, net.Listener, error) {
	for attempt := 0; attempt < 20; attempt++ {
		udpNet, tcpNet := listenNetworks(ap.Addr())
		udp, err := net.ListenPacket(udpNet, ap.String())
		if err != nil {
			return nil, nil, fmt.Errorf("udp %s: %w", ap, err)
		}
		port := udp.LocalAddr().(*net.UDPAddr).Port
		tcp, err := net.Listen(tcpNet, net.JoinHostPort(ap.Addr().String(), strconv.Itoa(port)))
		if err == nil {
			return udp, tcp, nil
		}
		udp.Close()
		if ap.Port() != 0 {
			return nil, nil, fmt.Errorf("tcp %s: %w", ap, err)
		}
	}
	return nil, nil, errors.New("no port free for both UDP and TCP")
}

// guessLocalIP finds the address the system would use toward host (no packet is sent).
func guessLocalIP(host string) netip.Addr {
	for _, target := range []string{host, "192.0.2.1"} {
		if target == "" {
			continue
		}
		c, err := net.Dial("udp", net.JoinHostPort(target, "5060"))
		if err != nil {
			continue
		}
		ap := c.LocalAddr().(*net.UDPAddr).AddrPort()
		c.Close()
		return ap.Addr().Unmap()
	}
	addrs, _ := net.InterfaceAddrs()
	for _, a := range addrs {
		if ipn, ok := a.(*net.IPNet); ok && !ipn.IP.IsLoopback() && ipn.IP.To4() != nil {
			if ip, ok := netip.AddrFromSlice(ipn.IP.To4()); ok {
				return ip
			}
		}
	}
	return netip.MustParseAddr("127.0.0.1")
}

// Close hangs up every call, unregisters every account and stops the listeners. It waits for
// the calls' BYEs and CANCELs and the un-REGISTERs at most until ctx is done; then, with sipgo
// closed, for every goroutine the phone started, at most closeWait more (they end at once
// unless something is wrong): the error names those that did not finish. A second Close
// waits for the first.
func (p *Phone) Close(ctx context.Context) error {
	p.mu.Lock()
	if p.closing {
		p.mu.Unlock()
		select {
		case <-p.closed:
		case <-ctx.Done():
		}
		return nil
	}
	p.closing = true
	if p.stopCloseWith != nil {
		p.stopCloseWith() // this Close is it: Start's context no longer matters
	}
	p.freeMem.stop()
	calls := make([]*Call, 0, len(p.calls))
	for _, c := range p.calls {
		calls = append(calls, c)
	}
	p.mu.Unlock()
	defer close(p.closed)
	if p.ua == nil { // never started
		p.events.closeAll()
		return nil
	}

	var wg sync.WaitGroup
	for _, c := range calls {
		wg.Add(1)
		p.goPhone("close: ending call "+c.id, func() { defer wg.Done(); c.end(ctx, "phone shutting down") })
	}
	for _, a := range p.accounts {
		wg.Add(1)
		p.goPhone("close: stopping account "+a.cfg.Name, func() { defer wg.Done(); a.stop(ctx) })
	}
	p.waitCtx(ctx, &wg)
	for _, c := range calls {
		select {
		case <-c.done:
		case <-ctx.Done():
		}
	}
	p.cancel()
	err := errors.Join(p.srv.Close(), p.cli.Close(), p.cliStream.Close(), p.ua.Close())
	p.udpConn.Close()
	p.tcpLn.Close()
	if p.tlsLn != nil {
		p.tlsLn.Close()
	}
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), closeWait)
	defer cancel()
	if gerr := p.grp.wait(wctx); gerr != nil {
		p.log.Warn("closing the phone", "error", gerr)
		err = errors.Join(err, gerr)
	}
	if p.tracer != nil {
		p.tracer.stop()
	}
	p.waitCtx(ctx, &p.capWG) // capture_dir files of the calls that just ended
	p.events.closeAll()
	return err
}

// closeWait bounds Close's wait for the phone's goroutines once the calls have ended and
// sipgo is closed.
const closeWait = 5 * time.Second

// closeWith closes the phone when ctx (Start's) is cancelled.
func (p *Phone) closeWith(ctx context.Context) {
	p.mu.Lock() // Close reads it under p.mu, and may run at once if ctx is done already
	defer p.mu.Unlock()
	p.stopCloseWith = context.AfterFunc(ctx, func() {
		cctx, cancel := context.WithTimeout(context.Background(), 10*time.Second) // as sipterm's quit
		defer cancel()
		if err := p.Close(cctx); err != nil {
			p.log.Warn("closing the phone (its context ended)", "error", err)
		}
	})
}

// waitCtx waits for wg at most until ctx is done.
func (p *Phone) waitCtx(ctx context.Context, wg *sync.WaitGroup) {
	done := make(chan struct{})
	p.goPhone("waiting for a group", func() { wg.Wait(); close(done) })
	select {
	case <-done:
	case <-ctx.Done():
	}
}

// Calls returns snapshots of the live calls, oldest first.
func (p *Phone) Calls() []CallInfo {
	p.mu.Lock()
	calls := make([]*Call, 0, len(p.calls))
	for _, c := range p.calls {
		calls = append(calls, c)
	}
	p.mu.Unlock()
	out := make([]CallInfo, 0, len(calls))
	for _, c := range calls {
		out = append(out, c.Info())
	}
	sort.Slice(out, func(i, j int) bool { return callNum(out[i].ID) < callNum(out[j].ID) })
	return out
}

func callNum(id string) int {
	n, _ := strconv.Atoi(id[1:])
	return n
}

// Accounts returns snapshots of the accounts in configuration order.
func (p *Phone) Accounts() []AccountInfo {
	out := make([]AccountInfo, 0, len(p.accounts))
	for _, a := range p.accounts {
		out = append(out, a.Info())
	}
	return out
}

// Debug reports figures for tests and diagnosis: live calls and goroutines.
func (p *Phone) Debug() (calls, goroutines int) {
	p.mu.Lock()
	calls = len(p.calls)
	p.mu.Unlock()
	return calls, runtime.NumGoroutine()
}

// register adds a call to the registry; it fails while the phone shuts down.
func (p *Phone) register(c *Call) error {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.closing {
		return errors.New("phone is shutting down")
	}
	p.calls[c.id] = c
	if c.sipCallID != "" {
		p.bySIPID[c.sipCallID] = c
	}
	return nil
}

func (p *Phone) newCallID() string { return "c" + strconv.FormatUint(p.nextID.Add(1), 10) }

// unregister removes an ended call; only the call itself calls this, once its transactions end.
func (p *Phone) unregister(c *Call) {
	p.mu.Lock()
	delete(p.calls, c.id)
	if p.bySIPID[c.sipCallID] == c {
		delete(p.bySIPID, c.sipCallID)
	}
	empty := len(p.calls) == 0
	p.mu.Unlock()
	p.ended.add(c.sipCallID, c.remoteTag(), endedCall)
	if empty {
		p.freeMem.idle(p) // memory.go: back to the OS once the transactions are gone
	}
}

// callBySIP finds the call a request belongs to by its Call-ID header.
func (p *Phone) callBySIP(req *sip.Request) *Call {
	cid := req.CallID()
	if cid == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.bySIPID[cid.Value()]
}

// ourCallID maps a SIP Call-ID to our call id for the trace ("" if none).
func (p *Phone) ourCallID(sipCallID string) string {
	p.mu.Lock()
	defer p.mu.Unlock()
	if c := p.bySIPID[sipCallID]; c != nil {
		return c.id
	}
	return ""
}

// call finds a live call by our id; id "" means the one call that the check accepts.
func (p *Phone) call(id, verb string, ok func(CallState) bool) (*Call, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if id != "" {
		c := p.calls[id]
		if c == nil {
			return nil, fmt.Errorf("no call %s", id)
		}
		if st := c.State(); !ok(st) { // a named call must be in a state the verb applies to
			return nil, fmt.Errorf("call %s is %s: cannot %s it", id, st, verb)
		}
		return c, nil
	}
	var match []*Call
	for _, c := range p.calls {
		if ok(c.State()) {
			match = append(match, c)
		}
	}
	switch len(match) {
	case 0:
		return nil, fmt.Errorf("no call to %s", verb)
	case 1:
		return match[0], nil
	}
	ids := make([]string, 0, len(match))
	for _, c := range match {
		ids = append(ids, c.id)
	}
	sort.Slice(ids, func(i, j int) bool { return callNum(ids[i]) < callNum(ids[j]) })
	return nil, fmt.Errorf("%d calls could %s (%v): say which", len(match), verb, ids)
}

func (p *Phone) account(name string) (*Account, error) {
	if name == "" {
		return p.accounts[0], nil
	}
	for _, a := range p.accounts {
		if a.cfg.Name == name {
			return a, nil
		}
	}
	return nil, fmt.Errorf("no account %q", name)
}

// accountFor picks the account an incoming request is for by its Request-URI user (or alias);
// nil when none: a call to anyone else is not ours (see screen.go).
func (p *Phone) accountFor(req *sip.Request) *Account {
	for _, a := range p.accounts {
		if a.answersTo(req.Recipient.User) {
			return a
		}
	}
	return nil
}

// contact is our Contact header for an account's user.
func (p *Phone) contact(user string, transport string) sip.ContactHeader {
	transport = strings.ToLower(transport)
	u := sip.Uri{Scheme: "sip", User: user, Host: p.host, Port: p.port}
	if transport == "tls" && p.tlsPort != 0 {
		u.Port = p.tlsPort
	}
	if transport != "" && transport != "udp" {
		u.UriParams = sip.NewParams()
		u.UriParams.Add("transport", transport)
	}
	return sip.ContactHeader{Address: u}
}

var setSIPLogger sync.Once

// setSIPGlobals sets sipgo's package globals once, before any transport runs (its goroutines
// read them without locks): its logger (slog.Default would write behind the TUI), and no
// automatic 100 Trying: sipgo sends one 200 ms into an INVITE, reading the request while our
// handler adds the To tag (a data race), and before screening has decided (a 404 must go out
// with no 1xx). The handler sends its own 100 once the call is accepted.
func setSIPGlobals(log *slog.Logger) {
	setSIPLogger.Do(func() {
		sip.SetDefaultLogger(log.With("lib", "sipgo"))
		sip.Timer_1xx = time.Hour
		sip.Timer_L, sip.Timer_J, sip.Timer_H = acceptedLinger, txLinger, txLinger // memory.go
	})
}

// timeNow is the phone's clock (a variable so tests could fix it).
var timeNow = time.Now
