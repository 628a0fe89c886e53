package phone

import (
	"context"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"
	"time"

	"github.com/emiago/sipgo"

	"github.com/sipterm/sipterm/phone/config"
)

// BenchmarkTLSRegisterKamailio: one REGISTER with digest auth over a NEW TLS connection per
// iteration (TCP + TLS handshake + 401 + REGISTER + 200, certificate verified against the lab
// CA) against kamailio from .ci/lab (KAM_TLS=1, ports 5110/5111; make bench runs it, make test
// does not). Reports registrations per second; run with -cpu 1,2 for the parallel figure.
func BenchmarkTLSRegisterKamailio(b *testing.B) {
	ca := startBenchKamailio(b)
	cfg, err := config.Parse("bench.toml", []byte(`[[accounts]]
name = "alice"
aor = "sip:alice@127.0.0.1"
registrar = "sip:127.0.0.1:5111"
transport = "tls"
ca_file = "`+ca+`"
password = "alicepw"
`))
	if err != nil {
		b.Fatal(err)
	}
	tlsConf, _, err := clientTLSConfig(cfg.Accounts)
	if err != nil {
		b.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	setSIPGlobals(log)
	b.ResetTimer()
	start := time.Now()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			// a fresh user agent has an empty connection pool: every REGISTER pays the handshake
			ua, err := sipgo.NewUA(sipgo.WithUserAgenTLSConfig(tlsConf), sipgo.WithUserAgentHostname("127.0.0.1"))
			if err != nil {
				b.Error(err)
				return
			}
			cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(log))
			if err != nil {
				b.Error(err)
				return
			}
			// TLS requests go through the stream client (clientFor)
			p := &Phone{cfg: cfg, log: log, cli: cli, cliStream: cli, host: "127.0.0.1", port: 5110}
			a := newAccount(p, &cfg.Accounts[0])
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			_, code, reason, err := a.register(ctx, 60)
			cancel()
			_ = cli.Close()
			_ = ua.Close()
			if err != nil || code != 200 {
				b.Errorf("REGISTER over TLS: code %d %s: %v", code, reason, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "registers/s")
}

// startBenchKamailio starts the lab's kamailio with TLS and returns its CA file.
func startBenchKamailio(b *testing.B) string {
	b.Helper()
	labDir := filepath.Join("..", ".ci", "lab")
	if _, err := exec.LookPath("kamailio"); err != nil {
		b.Fatal("kamailio is not installed (make bench installs it via .ci/deps.sh)")
	}
	state := b.TempDir()
	run := func(script string, env ...string) string {
		cmd := exec.Command(filepath.Join(labDir, script))
		cmd.Env = append(append(os.Environ(), "LAB_DIR="+state), env...)
		out, err := cmd.CombinedOutput()
		if err != nil {
			b.Fatalf("%s: %v\n%s", script, err, out)
		}
		return string(out)
	}
	// every benchmark REGISTER leaves its own contact (a new connection): no limit of 10
	out := run("kamailio.sh", "KAM_TLS=1", "KAMAILIO_PORT=5110", "KAM_TLS_PORT=5111", "KAM_MAX_CONTACTS=0")
	b.Cleanup(func() { run("stop.sh") })
	m := regexp.MustCompile(`ca=(\S+)`).FindStringSubmatch(out)
	if m == nil {
		b.Fatalf("kamailio.sh gave no CA:\n%s", out)
	}
	return m[1]
}
