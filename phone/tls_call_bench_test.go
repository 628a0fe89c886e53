package phone

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"log/slog"
	"testing"
	"time"

	"github.com/emiago/sipgo"
	"github.com/emiago/sipgo/sip"

	"github.com/sipterm/sipterm/phone/config"
)

// BenchmarkTLSCallKamailio: one call set-up through kamailio over a NEW TLS connection per
// iteration (TCP + TLS handshake with the certificate verified against the lab CA, INVITE, 407,
// INVITE with digest, 200, ACK, then BYE and its 200) from alice to bob, a phone of this package
// registered at kamailio over TLS with auto-answer. Kamailio from .ci/lab (KAM_TLS=1, ports
// 5110/5111); make bench runs it, make test does not (benchmarks run only with -bench). One call
// at a time, so ns/op is the time per call (set-up and BYE); reports calls/s and setup-ms, the
// INVITE -> ACK part alone.
func BenchmarkTLSCallKamailio(b *testing.B) {
	ca := startBenchKamailio(b)
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	bob := startBenchCallee(b, ca, log)
	setSIPGlobals(log)

	cfg, err := config.Parse("alice.toml", []byte(`[[accounts]]
name = "alice"
aor = "sip:alice@127.0.0.1"
registrar = "sip:127.0.0.1:5111"
transport = "tls"
ca_file = "`+ca+`"
`))
	if err != nil {
		b.Fatal(err)
	}
	tlsConf, _, err := clientTLSConfig(cfg.Accounts)
	if err != nil {
		b.Fatal(err)
	}
	bobURI := sip.Uri{Scheme: "sip", User: "bob", Host: "127.0.0.1", Port: 5111, UriParams: sip.NewParams()}
	bobURI.UriParams.Add("transport", "tls")
	// an offer bob can answer; nothing listens on its media port (the benchmark is signalling)
	offer := []byte("v=0\r\no=alice 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\n" +
		"m=audio 9 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n")

	var setup time.Duration
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		d, err := benchTLSCall(tlsConf, log, bobURI, offer)
		if err != nil {
			b.Fatalf("call %d over TLS: %v", i, err)
		}
		setup += d
	}
	elapsed := time.Since(start)
	b.StopTimer()
	b.ReportMetric(float64(b.N)/elapsed.Seconds(), "calls/s")
	b.ReportMetric(setup.Seconds()*1000/float64(b.N), "setup-ms")
	// every call reached bob and ended there: none left in its registry
	waitBenchEmpty(b, bob)
}

// benchTLSCall makes one call from a fresh user agent (an empty connection pool: the call pays
// the handshake) and returns the INVITE -> ACK time.
func benchTLSCall(tlsConf *tls.Config, log *slog.Logger, to sip.Uri, offer []byte) (time.Duration, error) {
	ua, err := sipgo.NewUA(sipgo.WithUserAgent("alice"), sipgo.WithUserAgenTLSConfig(tlsConf),
		sipgo.WithUserAgentHostname("127.0.0.1"))
	if err != nil {
		return 0, fmt.Errorf("new user agent: %w", err)
	}
	defer ua.Close()
	cli, err := sipgo.NewClient(ua, sipgo.WithClientHostname("127.0.0.1"), sipgo.WithClientLogger(log))
	if err != nil {
		return 0, fmt.Errorf("new client: %w", err)
	}
	defer cli.Close()
	contact := sip.ContactHeader{Address: sip.Uri{Scheme: "sip", User: "alice", Host: "127.0.0.1", Port: 5112}}
	dc := sipgo.NewDialogClientCache(cli, contact)
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	start := time.Now()
	sess, err := dc.Invite(ctx, to, offer, sip.NewHeader("Content-Type", "application/sdp"))
	if err != nil {
		return 0, fmt.Errorf("INVITE: %w", err)
	}
	defer sess.Close()
	if err := sess.WaitAnswer(ctx, sipgo.AnswerOptions{Username: "alice", Password: "alicepw"}); err != nil {
		return 0, fmt.Errorf("waiting for the answer: %w", err)
	}
	// the 200 is bob's (kamailio only relays it), not a proxy's
	if c := sess.InviteResponse.Contact(); c == nil || c.Address.User != "bob" {
		return 0, fmt.Errorf("the 200 is not from bob: Contact %v", c)
	}
	if err := sess.Ack(ctx); err != nil {
		return 0, fmt.Errorf("ACK: %w", err)
	}
	setup := time.Since(start)
	if err := sess.Bye(ctx); err != nil {
		return 0, fmt.Errorf("BYE: %w", err)
	}
	return setup, nil
}

// startBenchCallee starts bob, registered at the bench kamailio over TLS, answering at once.
func startBenchCallee(b *testing.B, ca string, log *slog.Logger) *Phone {
	b.Helper()
	cfg, err := config.Parse("bob.toml", []byte(`listen = "127.0.0.1:0"
audio = "null"
rtp_timeout = "0s"
auto_answer = "0s"
[[accounts]]
name = "bob"
aor = "sip:bob@127.0.0.1"
registrar = "sip:127.0.0.1:5111"
transport = "tls"
ca_file = "`+ca+`"
password = "bobpw"
`))
	if err != nil {
		b.Fatal(err)
	}
	p, err := New(Options{Config: cfg, Logger: log})
	if err != nil {
		b.Fatal(err)
	}
	sub := p.Subscribe()
	defer sub.Close() // only the registration is awaited
	if err := p.Start(context.Background()); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		p.Close(ctx)
	})
	deadline := time.After(15 * time.Second)
	for {
		select {
		case e := <-sub.C():
			if r, ok := e.(EventRegistration); ok && r.Account.State == RegRegistered {
				return p
			} else if ok && r.Account.State == RegFailed {
				b.Fatalf("bob's TLS registration failed: %+v", r.Account)
			}
		case <-deadline:
			b.Fatal("bob did not register at kamailio over TLS within 15 s")
		}
	}
}

// waitBenchEmpty fails unless the phone's call registry empties (each BYE reached it).
func waitBenchEmpty(b *testing.B, p *Phone) {
	b.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for len(p.Calls()) > 0 {
		if time.Now().After(deadline) {
			b.Fatalf("calls left at bob: %+v", p.Calls())
		}
		time.Sleep(20 * time.Millisecond)
	}
}
