// Command sipterm is a SIP softphone for the terminal: a TUI by default, or the scriptable
// headless front end with --headless (JSON-lines events on stdout, commands on stdin).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"github.com/sipterm/sipterm/docs"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"path/filepath"
	"runtime/debug"
	"strings"
	"sync"
	"syscall"
	"time"

	"github.com/sipterm/sipterm/audio"
	"github.com/sipterm/sipterm/phone"
	"github.com/sipterm/sipterm/phone/config"
	"github.com/sipterm/sipterm/ui"
	"github.com/sipterm/sipterm/ui/headless"
)

func main() {
	os.Exit(run(os.Args[1:], os.Stdin, os.Stdout, os.Stderr))
}

// flags are the command line; each one overrides the config file's key of the same meaning.
type flags struct {
	config, listen, autoAnswer, audioKind, audioDevice, play, record, sipTrace, logFile, logLevel, history string
	headless, listDevices, printConfig, showVersion, helpProtocol                                          bool
	set                                                                                                    map[string]bool
	control                                                                                                string
	sipEvents                                                                                              bool
}

func parseFlags(args []string, stderr io.Writer) (*flags, error) {
	f := &flags{set: map[string]bool{}}
	fs := flag.NewFlagSet("sipterm", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&f.config, "config", "", "TOML config `FILE` (default $XDG_CONFIG_HOME/sipterm/config.toml; none: built-in defaults)")
	fs.StringVar(&f.listen, "listen", "", "SIP on UDP and TCP at `HOST:PORT`")
	fs.StringVar(&f.autoAnswer, "auto-answer", "", "answer every incoming call after `DUR` (0s = at once)")
	fs.StringVar(&f.audioKind, "audio", "", "audio `KIND`: portaudio, pulse, null or file")
	fs.StringVar(&f.audioDevice, "audio-device", "", "PortAudio device `NAME` (substring; see --list-devices)")
	fs.StringVar(&f.play, "play", "", "with --audio file: `FILE.wav` the phone sends (looped)")
	fs.StringVar(&f.record, "record", "", "with --audio file: `FILE.wav` where the phone records what it receives")
	fs.StringVar(&f.sipTrace, "sip-trace", "", "write every SIP message in and out to `FILE`")
	fs.StringVar(&f.logFile, "log-file", "", "write the log to `FILE` (default: stderr headless, a file under the TUI)")
	fs.StringVar(&f.logLevel, "log-level", "", "log `LEVEL`: debug, info, warn, error")
	fs.StringVar(&f.history, "history", "", "keep ended calls in `FILE` (JSON lines; default under the TUI: $XDG_STATE_HOME/sipterm/history.jsonl)")
	fs.BoolVar(&f.headless, "headless", false, "no TUI: commands on stdin, JSON-lines events on stdout")
	fs.BoolVar(&f.listDevices, "list-devices", false, "list the PortAudio devices (and PulseAudio's sinks and sources) and exit")
	fs.BoolVar(&f.printConfig, "print-config", false, "print the embedded default config (a template) and exit")
	fs.BoolVar(&f.showVersion, "version", false, "print the version (and the commit it was built from) and exit")
	fs.BoolVar(&f.helpProtocol, "help-protocol", false, "print the headless / control-socket protocol reference (docs/protocol.md) and exit")
	fs.StringVar(&f.control, "control", "", "the control socket `PATH` (default $XDG_RUNTIME_DIR/sipterm/ctl; none: no socket)")
	fs.BoolVar(&f.sipEvents, "sip-events", false, "headless and control socket: a sip event per SIP message in and out")
	if err := fs.Parse(args); err != nil {
		return nil, err
	}
	if fs.NArg() > 0 {
		return nil, fmt.Errorf("unexpected argument %q (see --help)", fs.Arg(0))
	}
	fs.Visit(func(fl *flag.Flag) { f.set[fl.Name] = true })
	return f, nil
}

// loadConfig reads the config file (or the embedded defaults) and applies the flags over it.
func loadConfig(f *flags) (*config.Config, error) {
	var cfg *config.Config
	var err error
	switch {
	case f.config != "":
		cfg, err = config.Load(f.config)
	default:
		path := config.DefaultPath()
		if _, statErr := os.Stat(path); path != "" && statErr == nil {
			cfg, err = config.Load(path)
		} else {
			cfg = config.Defaults()
		}
	}
	if err != nil {
		return nil, err
	}
	over := func(name string, dst *string, v string) {
		if f.set[name] {
			*dst = v
		}
	}
	over("listen", &cfg.Listen, f.listen)
	cfg.ListenExplicit = cfg.ListenExplicit || f.set["listen"]
	over("auto-answer", &cfg.AutoAnswer, f.autoAnswer)
	over("audio", &cfg.Audio, f.audioKind)
	over("audio-device", &cfg.AudioDevice, f.audioDevice)
	over("play", &cfg.Play, f.play)
	over("record", &cfg.Record, f.record)
	over("sip-trace", &cfg.SIPTrace, f.sipTrace)
	over("log-file", &cfg.LogFile, f.logFile)
	over("log-level", &cfg.LogLevel, f.logLevel)
	over("history", &cfg.HistoryFile, f.history)
	// Flags are checked like config values; their errors name the flag.
	flagCfg := *cfg
	flagCfg.Path = "command line"
	if err := flagCfg.Validate(nil); err != nil {
		var ce *config.Error
		if errors.As(err, &ce) && ce.File == "command line" {
			return nil, fmt.Errorf("flag --%s: %s", strings.ReplaceAll(ce.Key, "_", "-"), ce.Msg)
		}
		return nil, err
	}
	flagCfg.Path = cfg.Path
	return &flagCfg, nil
}

func run(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	if len(args) > 0 && args[0] == "ctl" {
		return runCtl(args[1:], stdout, stderr)
	}
	f, err := parseFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "sipterm:", err)
		return 2
	}
	if f.showVersion {
		fmt.Fprint(stdout, versionText())
		return 0
	}
	if f.helpProtocol {
		fmt.Fprint(stdout, docs.Protocol)
		return 0
	}
	if f.printConfig {
		fmt.Fprint(stdout, config.DefaultText)
		return 0
	}
	if f.listDevices {
		return listDevices(stdout, stderr)
	}
	cfg, err := loadConfig(f)
	if err != nil {
		fmt.Fprintln(stderr, "sipterm: config:", err)
		return 2
	}

	startPprof(stderr) // SIPTERM_PPROF=127.0.0.1:6060 (pprof.go); off by default
	setMemoryLimit()   // GOGC 50 and a soft limit: garbage must not double the RSS under load (memlimit.go)
	logOut, closeLog, err := openLog(cfg, f.headless, stderr)
	if err != nil {
		fmt.Fprintln(stderr, "sipterm:", err)
		return 1
	}
	defer closeLog()
	restoreStderr := func() error { return nil }
	if !f.headless {
		// The terminal belongs to tview: whatever a C library prints on fd 2 goes to the log.
		// A crash trace still reaches the terminal too (after tview has restored it).
		if lf, ok := logOut.(*os.File); ok {
			if orig, err := syscall.Dup(2); err == nil {
				_ = debug.SetCrashOutput(os.NewFile(uintptr(orig), "stderr"), debug.CrashOptions{})
			}
			if restore, err := audio.RedirectStderr(lf); err == nil {
				restoreStderr = restore
				defer restore()
			}
		}
	}
	// Under the TUI the log also goes to its Log pane, which exists only once the phone does.
	paneLog := &lazyWriter{}
	var logW io.Writer = logOut
	if !f.headless {
		logW = io.MultiWriter(logOut, paneLog)
	}
	logger := slog.New(slog.NewTextHandler(logW, &slog.HandlerOptions{Level: logLevel(cfg.LogLevel)}))
	slog.SetDefault(logger)

	if f.headless { // before the audio libraries load: stdout carries the protocol only
		stdout = protocolStdout(stdout)
	}
	dev, notice, err := openAudio(cfg, logger)
	if err != nil {
		fmt.Fprintln(stderr, "sipterm: audio:", err)
		return 2
	}
	defer dev.Close()

	var trace io.Writer
	if cfg.SIPTrace != "" {
		tf, err := os.OpenFile(cfg.SIPTrace, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
		if err != nil {
			fmt.Fprintln(stderr, "sipterm: sip trace:", err)
			return 1
		}
		defer tf.Close()
		trace = tf
	}
	historyFile := cfg.HistoryFile
	if historyFile == "" && !f.headless {
		historyFile = filepath.Join(stateDir(), "history.jsonl")
	}
	ph, err := phone.New(phone.Options{
		Config: cfg, Device: dev, Logger: logger, Trace: trace, SIPEvents: !f.headless || f.sipEvents, Tones: !f.headless, Capture: true,
		HistoryFile: historyFile,
	})
	if err != nil {
		fmt.Fprintln(stderr, "sipterm:", err)
		return 1
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	// quit on the control socket ends the program as quit in the front end does.
	ctx, quitCtl := context.WithCancel(ctx)
	defer quitCtl()
	ctlDone, ctlNotice, err := startControl(ctx, ph, f.control, f.sipEvents, quitCtl)
	if err != nil {
		fmt.Fprintln(stderr, "sipterm:", err)
		return 1
	}
	if ctlNotice != "" {
		notice = strings.TrimPrefix(notice+"; "+ctlNotice, "; ")
	}
	defer func() {
		if ctlDone != nil {
			quitCtl()
			<-ctlDone
		}
	}()
	if f.headless {
		return runHeadless(ctx, ph, notice, f.sipEvents, stdin, stdout, stderr)
	}
	tui := ui.New(ph, ui.Options{Theme: cfg.UI.Theme, DialHistoryFile: filepath.Join(stateDir(), "dial_history")})
	paneLog.set(tui.LogWriter())
	return runTUI(ctx, ph, tui, notice, stderr, restoreStderr)
}

func runHeadless(ctx context.Context, ph *phone.Phone, notice string, sip bool, stdin io.Reader, stdout, stderr io.Writer) int {
	h := headless.New(ph, stdout)
	h.SIP = sip
	sub := h.Subscribe()
	pumped := make(chan struct{})
	go func() { h.Pump(sub); close(pumped) }()
	if err := ph.Start(ctx); err != nil {
		fmt.Fprintln(stderr, "sipterm:", err)
		sub.Close()
		return 1
	}
	if notice != "" {
		ph.Notice("warn", notice)
	}
	quit := make(chan struct{})
	go func() {
		if h.ReadCommands(ctx, stdin) {
			close(quit)
		}
	}()
	select {
	case <-ctx.Done():
	case <-quit:
	}
	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := ph.Close(closeCtx); err != nil {
		slog.Warn("closing the phone", "error", err)
	}
	select {
	case <-pumped:
	case <-time.After(2 * time.Second):
	}
	return 0
}

func runTUI(ctx context.Context, ph *phone.Phone, tui *ui.UI, notice string, stderr io.Writer, restoreStderr func() error) int {
	if err := ph.Start(ctx); err != nil {
		_ = restoreStderr()
		fmt.Fprintln(stderr, "sipterm:", err)
		return 1
	}
	if notice != "" {
		ph.Notice("warn", notice)
	}
	err := tui.Run(ctx)
	closeCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if cerr := ph.Close(closeCtx); cerr != nil {
		slog.Warn("closing the phone", "error", cerr)
	}
	_ = restoreStderr() // the terminal is ours again
	if err != nil {
		fmt.Fprintln(stderr, "sipterm:", err)
		return 1
	}
	fmt.Fprintln(stderr, "sipterm: bye")
	return 0
}

// openAudio opens the configured device. PortAudio falls back to the null device with a notice;
// a file device that cannot read --play or write --record is an error (it was asked for).
func openAudio(cfg *config.Config, logger *slog.Logger) (audio.Device, string, error) {
	opts := audio.Options{
		Kind: audio.Kind(cfg.Audio), DeviceName: cfg.AudioDevice, PlayFile: cfg.Play, RecordFile: cfg.Record,
		Logger: logger.With("component", "audio"),
	}
	if opts.Kind == audio.KindFile {
		d, err := audio.Open(opts)
		return d, "", err
	}
	d, notice := audio.OpenOrFallback(opts)
	return d, notice, nil
}

func listDevices(stdout, stderr io.Writer) int {
	devs, err := audio.ListDevices()
	if err != nil {
		fmt.Fprintln(stderr, "sipterm: listing audio devices:", err)
		return 1
	}
	if len(devs) == 0 {
		fmt.Fprintln(stdout, "no PortAudio devices (the phone will use null audio)")
	}
	if pulse, err := audio.ListPulseDevices(); err == nil { // --audio pulse picks among these
		devs = append(devs, pulse...)
	}
	for _, d := range devs {
		def := ""
		if d.DefaultInput {
			def += " default-input"
		}
		if d.DefaultOutput {
			def += " default-output"
		}
		fmt.Fprintf(stdout, "%-40s %-6s in=%d out=%d %.0f Hz%s\n", d.Name, d.HostAPI, d.Inputs, d.Outputs, d.DefaultRate, def)
	}
	return 0
}

// openLog picks the log's destination: --log-file, else stderr headless, else a file under the
// TUI (the terminal belongs to tview).
func openLog(cfg *config.Config, headlessMode bool, stderr io.Writer) (io.Writer, func(), error) {
	path := cfg.LogFile
	if path == "" && headlessMode {
		return stderr, func() {}, nil
	}
	if path == "" {
		path = filepath.Join(stateDir(), "sipterm.log")
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, nil, fmt.Errorf("log directory: %w", err)
	}
	lf, err := os.OpenFile(path, os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o600)
	if err != nil {
		return nil, nil, fmt.Errorf("log file: %w", err)
	}
	return lf, func() { lf.Close() }, nil
}

func logLevel(s string) slog.Level {
	switch s {
	case "debug":
		return slog.LevelDebug
	case "warn":
		return slog.LevelWarn
	case "error":
		return slog.LevelError
	}
	return slog.LevelInfo
}

// lazyWriter forwards to a writer set later, dropping what comes before.
type lazyWriter struct {
	mu sync.Mutex
	w  io.Writer
}

func (l *lazyWriter) set(w io.Writer) {
	l.mu.Lock()
	l.w = w
	l.mu.Unlock()
}

func (l *lazyWriter) Write(b []byte) (int, error) {
	l.mu.Lock()
	w := l.w
	l.mu.Unlock()
	if w == nil {
		return len(b), nil
	}
	return w.Write(b)
}

// stateDir is $XDG_STATE_HOME/sipterm (or ~/.local/state/sipterm): the log and the call history.
func stateDir() string {
	dir := os.Getenv("XDG_STATE_HOME")
	if dir == "" {
		home, err := os.UserHomeDir()
		if err != nil {
			home = os.TempDir()
		}
		dir = filepath.Join(home, ".local", "state")
	}
	return filepath.Join(dir, "sipterm")
}
