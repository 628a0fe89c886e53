package main

// SIP over TLS against real peers from .ci/lab: kamailio with its TLS module (a throwaway CA made
// by kamailio.sh) and baresip registered over TLS. Ports: kamailio 5060 (UDP/TCP) and 5061
// (TLS), baresip 5112 (+5113 its own TLS, ctrl 35112), the phone 5110, 5114, 5116.

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"
)

// TestTLSKamailioBaresipAudio: the phone registers as alice at kamailio over TLS (ca_file = the
// lab's CA), calls bob (baresip, registered over TLS, auto-answer) and is called by bob, with
// audio checked both ways, hold/resume re-INVITEs; every SIP message of the phone went over TLS
// to kamailio's TLS port (and kamailio saw alice only over TLS).
func TestTLSKamailioBaresipAudio(t *testing.T) {
	needTools(t, "kamailio", "baresip", "sox", "openssl")
	l := lab(t)
	kam := l.startPeer([]string{"KAM_TLS=1"}, "kamailio.sh")
	ca := kam.KV["ca"]
	if ca == "" {
		t.Fatalf("kamailio.sh gave no CA: %s", kam.Line)
	}
	bob := l.startPeer([]string{"REGISTRAR=127.0.0.1:5061", "TLS=1", "TLS_CA=" + ca, "KAM_USER=bob",
		"KAM_PASS=bobpw", "AUTOANSWER=1", "SINE_FREQ=1000"}, "baresip.sh", "5112")
	bobCtl := portOf(bob.KV["ctrl"])

	dir := t.TempDir()
	tone := filepath.Join(dir, "tone440.wav")
	makeTone(t, tone, 440, 30)
	rec := filepath.Join(dir, "rec.wav")
	trace := filepath.Join(dir, "sip.trace")
	cfg := writeFile(t, dir, "sipterm.toml", `# e2e: alice at the lab's kamailio over TLS
listen = "127.0.0.1:5110"

[[accounts]]
name        = "alice"
aor         = "sip:alice@127.0.0.1"
registrar   = "sip:127.0.0.1:5061"
transport   = "tls"
ca_file     = "`+ca+`"
password    = "alicepw"
auto_answer = "1s"
`)
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5110), "--audio", "file", "--play", tone,
		"--record", rec, "--sip-trace", trace)
	reg := p.waitFor(15*time.Second, "registration", "account", "alice", "state", "registered")
	if reg.Str("transport") != "tls" || !strings.Contains(reg.Str("contact"), ";transport=tls") {
		t.Errorf("registration: want transport tls and a Contact with ;transport=tls: %s", reg.Raw)
	}
	if reg.Str("tls_insecure") != "" {
		t.Errorf("registration says tls_insecure for a verified account: %s", reg.Raw)
	}

	t.Log("step: alice calls bob through kamailio over TLS")
	{
		p.Mark()
		p.Send("dial sip:bob@127.0.0.1")
		id := p.waitFor(5*time.Second, "call", "direction", "out").Str("id")
		p.waitFor(20*time.Second, "call", "id", id, "state", "established")
		time.Sleep(4 * time.Second) // ~4 s of audio each way
		p.Send("hold " + id)        // re-INVITEs: in-dialog requests over TLS too
		p.waitFor(10*time.Second, "call", "id", id, "state", "held")
		p.Send("resume " + id)
		p.waitFor(10*time.Second, "call", "id", id, "state", "established")
		p.Send("hangup " + id)
		term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
		if !strings.Contains(term.Str("reason"), "local hangup") || strings.Contains(term.Str("reason"), "BYE:") {
			t.Errorf("our BYE over TLS: %s", term.Raw)
		}
		checkBaresipHeard(t, l, bob, 440, 1)
	}

	t.Log("step: bob calls alice; kamailio sends the INVITE over alice's registration connection")
	{
		p.Mark()
		res := l.baresipCtlAsync(bobCtl, "dial sip:alice@127.0.0.1:5061;transport=tls", "CALL_ESTABLISHED|CALL_CLOSED", 20*time.Second)
		in := p.waitFor(15*time.Second, "call", "state", "incoming")
		id := in.Str("id")
		p.waitFor(10*time.Second, "call", "id", id, "state", "established")
		if r := <-res; r.RC != 0 || !strings.Contains(r.Out, `"type":"CALL_ESTABLISHED"`) {
			t.Fatalf("bob's dial: rc=%d, no CALL_ESTABLISHED:\n%s", r.RC, r.Out)
		}
		st := p.waitFor(10*time.Second, "stats", "id", id)
		if st.Int("received") < 100 {
			t.Errorf("incoming TLS call: the phone received %d RTP packets from bob in ~5 s: %s", st.Int("received"), st.Raw)
		}
		if out, rc := l.baresipCtl(bobCtl, "hangup", "CALL_CLOSED", 10*time.Second); rc != 0 {
			t.Errorf("bob's hangup: rc=%d %s", rc, out)
		}
		term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
		if !strings.Contains(term.Str("reason"), "remote BYE") {
			t.Errorf("bob's BYE did not reach the phone over TLS: %s", term.Raw)
		}
		checkBaresipHeard(t, l, bob, 440, 2)
	}
	p.stop()
	if out, ok := l.wavcheckTrimmed(rec, 1000); !ok {
		t.Errorf("the phone's recording does not hold bob's 1 kHz tone: %s", out)
	} else {
		t.Logf("phone rec: %s", out)
	}
	checkTraceOnlyTLS(t, trace, "127.0.0.1:5061", []string{"REGISTER", "INVITE", "ACK", "BYE"})
	checkKamailioSawOnlyTLS(t, l, "alice")
}

// TestTLSSipsURIs: a sips: AOR and registrar (no transport key) mean TLS: the phone registers a
// sips: Contact, calls bob by a sips: URI and takes bob's call; RTP flows both ways.
func TestTLSSipsURIs(t *testing.T) {
	needTools(t, "kamailio", "baresip", "openssl")
	l := lab(t)
	ca := l.startPeer([]string{"KAM_TLS=1"}, "kamailio.sh").KV["ca"]
	bob := l.startPeer([]string{"REGISTRAR=127.0.0.1:5061", "TLS=1", "TLS_CA=" + ca, "KAM_USER=bob",
		"KAM_PASS=bobpw", "AUTOANSWER=1"}, "baresip.sh", "5112")
	bobCtl := portOf(bob.KV["ctrl"])
	cfg := writeFile(t, t.TempDir(), "sipterm.toml", `# e2e: sips: URIs
[[accounts]]
name        = "alice"
aor         = "sips:alice@127.0.0.1"
registrar   = "sips:127.0.0.1:5061"
ca_file     = "`+ca+`"
password    = "alicepw"
auto_answer = "0s"
`)
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5116), "--audio", "null")
	reg := p.waitFor(15*time.Second, "registration", "account", "alice", "state", "registered")
	if reg.Str("transport") != "tls" || !strings.HasPrefix(reg.Str("contact"), "sips:alice@") {
		t.Errorf("registration: want transport tls and a sips: Contact: %s", reg.Raw)
	}

	p.Mark()
	p.Send("dial sips:bob@127.0.0.1")
	id := p.waitFor(5*time.Second, "call", "direction", "out").Str("id")
	p.waitFor(20*time.Second, "call", "id", id, "state", "established")
	if st := p.waitFor(10*time.Second, "stats", "id", id); st.Int("received") < 100 {
		t.Errorf("call to sips:bob: %d RTP packets received in ~5 s: %s", st.Int("received"), st.Raw)
	}
	p.Send("hangup " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")

	p.Mark()
	res := l.baresipCtlAsync(bobCtl, "dial sip:alice@127.0.0.1:5061;transport=tls", "CALL_ESTABLISHED|CALL_CLOSED", 20*time.Second)
	id = p.waitFor(15*time.Second, "call", "state", "incoming").Str("id")
	p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	if r := <-res; r.RC != 0 || !strings.Contains(r.Out, `"type":"CALL_ESTABLISHED"`) {
		t.Fatalf("bob's dial: rc=%d, no CALL_ESTABLISHED:\n%s", r.RC, r.Out)
	}
	if st := p.waitFor(10*time.Second, "stats", "id", id); st.Int("received") < 100 {
		t.Errorf("bob's call: %d RTP packets received in ~5 s: %s", st.Int("received"), st.Raw)
	}
	if out, rc := l.baresipCtl(bobCtl, "hangup", "CALL_CLOSED", 10*time.Second); rc != 0 {
		t.Errorf("bob's hangup: rc=%d %s", rc, out)
	}
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	checkKamailioSawOnlyTLS(t, l, "alice")
}

// TestTLSUntrustedServerFails: a CA that did not sign kamailio's certificate, and a certificate
// that does not name the host dialled: registration fails with an error that says which, and
// nothing of the phone's SIP reaches kamailio, neither over TLS nor in clear text.
func TestTLSUntrustedServerFails(t *testing.T) {
	needTools(t, "kamailio", "openssl")
	labCA := func(*testing.T) ([]string, string) { return nil, "" }
	tests := []struct {
		name  string
		env   []string
		setup func(t *testing.T) (env []string, caFile string) // caFile "": the lab's CA
		port  int
		want  []string
	}{
		{"CA that did not sign", []string{"KAM_TLS=1"}, func(t *testing.T) ([]string, string) { return nil, otherCA(t) }, 5114,
			[]string{"REGISTER to 127.0.0.1:5061 failed: TLS: the certificate of 127.0.0.1", "signed by an unknown authority", "ca_file"}},
		{"certificate for another name", []string{"KAM_TLS=1", "KAM_TLS_SAN=DNS:sip.lab.test"}, labCA, 5116,
			[]string{"REGISTER to 127.0.0.1:5061 failed: TLS: the certificate of 127.0.0.1", `another host name ("127.0.0.1"; it names sip.lab.test)`}},
		{"expired certificate", []string{"KAM_TLS=1"}, expiredServerCert, 5115,
			[]string{"REGISTER to 127.0.0.1:5061 failed: TLS: the certificate of 127.0.0.1", "has expired or is not yet valid (expired "}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			l := lab(t)
			env, ca := tt.setup(t)
			kam := l.startPeer(append(tt.env, env...), "kamailio.sh")
			if ca == "" {
				ca = kam.KV["ca"]
			}
			dir := t.TempDir()
			trace := filepath.Join(dir, "sip.trace")
			cfg := writeFile(t, dir, "sipterm.toml", `# e2e: a TLS server the phone must not trust
[[accounts]]
name      = "alice"
aor       = "sip:alice@127.0.0.1"
registrar = "sip:127.0.0.1:5061"
transport = "tls"
ca_file   = "`+ca+`"
password  = "alicepw"
`)
			p := startPhone(t, "--config", cfg, "--listen", phoneAddr(tt.port), "--audio", "null", "--sip-trace", trace)
			reg := p.waitFor(15*time.Second, "registration", "account", "alice", "state", "failed")
			t.Logf("registration failed: %s", reg.Str("last_error"))
			for _, w := range tt.want {
				if !strings.Contains(reg.Str("last_error"), w) || !strings.Contains(reg.Str("reason"), w) {
					t.Errorf("registration reason and last_error do not say %q: %s", w, reg.Raw)
				}
			}
			if reg.Str("transport") != "tls" {
				t.Errorf("registration transport %q, want tls: %s", reg.Str("transport"), reg.Raw)
			}
			p.Mark()
			p.Send("dial sip:bob@127.0.0.1")
			term := p.waitFor(15*time.Second, "call", "state", "terminated")
			if !strings.Contains(term.Str("reason"), "INVITE to 127.0.0.1:5061 failed: TLS: ") {
				t.Errorf("a call over the untrusted server must fail naming TLS: %s", term.Raw)
			}
			time.Sleep(2 * time.Second) // a REGISTER retry after the back-off, had one leaked
			p.stop()
			if b, _ := os.ReadFile(trace); strings.Contains(string(b), "===") {
				t.Errorf("SIP left the phone although no TLS server was trusted:\n%s", tail(string(b), 30))
			}
			klog, _ := os.ReadFile(filepath.Join(l.Dir, "kamailio.log"))
			if regexp.MustCompile(`REQ (REGISTER|INVITE)`).Match(klog) {
				t.Errorf("kamailio received a request (no fallback to UDP/TCP allowed):\n%s", tail(string(klog), 20))
			}
		})
	}
}

// TestTLSInsecureOptIn: tls_insecure = true registers with a server the phone cannot verify,
// and says so: a warning notice at start and tls_insecure in the registration event. With
// listen_tls the registered Contact names the TLS port, and the binding check (every 10 s)
// recognises it: the registration stays up.
func TestTLSInsecureOptIn(t *testing.T) {
	needTools(t, "kamailio", "openssl")
	l := lab(t)
	l.startPeer([]string{"KAM_TLS=1"}, "kamailio.sh")
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	cfg := writeFile(t, dir, "sipterm.toml", `# e2e: TLS without verification, by explicit choice
listen_tls = "127.0.0.1:5117"
tls_cert   = "`+cert+`"
tls_key    = "`+key+`"

[[accounts]]
name         = "alice"
aor          = "sip:alice@127.0.0.1"
registrar    = "sip:127.0.0.1:5061"
transport    = "tls"
tls_insecure = true
password     = "alicepw"
expires      = 20   # a refresh or a binding check within the 12 s below, whichever the phone does
`)
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5118), "--audio", "null")
	n := p.waitFor(10*time.Second, "notice", "level", "warn")
	if !strings.Contains(n.Str("message"), "account alice: tls_insecure = true") {
		t.Errorf("start-up warning does not name the insecure account: %s", n.Raw)
	}
	reg := p.waitFor(15*time.Second, "registration", "account", "alice", "state", "registered")
	if reg.Raw == "" || !strings.Contains(reg.Raw, `"tls_insecure":true`) || reg.Str("transport") != "tls" {
		t.Errorf("registration must carry tls_insecure and transport tls: %s", reg.Raw)
	}
	if !strings.Contains(reg.Str("contact"), "@127.0.0.1:5117;transport=tls") {
		t.Errorf("registered Contact is not on the TLS listener's port: %s", reg.Raw)
	}
	time.Sleep(12 * time.Second) // a binding check (every 10 s) and/or a refresh (at half of 20 s)
	p.noEvent("registration failure after a binding check", ev("registration", "state", "failed"))
	klog, _ := os.ReadFile(filepath.Join(l.Dir, "kamailio.log"))
	if n := strings.Count(string(klog), "REQ REGISTER"); n < 4 {
		t.Errorf("kamailio saw %d REGISTERs, want the registration and a check or refresh (>= 4 with the challenges)", n)
	}
}

// selfSigned makes a throwaway server certificate for 127.0.0.1 with openssl.
func selfSigned(t *testing.T, dir string) (cert, key string) {
	t.Helper()
	cert, key = filepath.Join(dir, "cert.pem"), filepath.Join(dir, "key.pem")
	out, err := exec.Command("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
		"-keyout", key, "-out", cert, "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl: %v %s", err, out)
	}
	return cert, key
}

// TestTLSListenerIncoming: listen_tls with a certificate made by openssl; baresip (no
// registrar) calls the phone's TLS port directly; the phone answers (Contact on the TLS port),
// audio flows both ways, baresip hangs up over TLS.
func TestTLSListenerIncoming(t *testing.T) {
	needTools(t, "baresip", "sox", "openssl")
	l := lab(t)
	bob := l.startPeer([]string{"SINE_FREQ=1000"}, "baresip.sh", "5112")
	bobCtl := portOf(bob.KV["ctrl"])
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	tone := filepath.Join(dir, "tone440.wav")
	makeTone(t, tone, 440, 30)
	trace := filepath.Join(dir, "sip.trace")
	cfg := writeFile(t, dir, "sipterm.toml", `# e2e: the phone's own TLS listener
listen      = "127.0.0.1:5114"
listen_tls  = "127.0.0.1:5119"
tls_cert    = "`+cert+`"
tls_key     = "`+key+`"
auto_answer = "0s"
`)
	p := startPhone(t, "--config", cfg, "--listen", phoneAddr(5114), "--audio", "file", "--play", tone, "--sip-trace", trace)
	ready := p.Events()[0] // startPhone waited for it
	if ready.Str("event") != "ready" || !strings.Contains(ready.Raw, `"tls:127.0.0.1:5119"`) {
		t.Errorf("ready does not list the TLS listener: %s", ready.Raw)
	}
	res := l.baresipCtlAsync(bobCtl, "dial sip:sipterm@127.0.0.1:5119;transport=tls", "CALL_ESTABLISHED|CALL_CLOSED", 20*time.Second)
	id := p.waitFor(15*time.Second, "call", "state", "incoming").Str("id")
	p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	if r := <-res; r.RC != 0 || !strings.Contains(r.Out, `"type":"CALL_ESTABLISHED"`) {
		t.Fatalf("baresip's dial: rc=%d, no CALL_ESTABLISHED:\n%s", r.RC, r.Out)
	}
	st := p.waitFor(10*time.Second, "stats", "id", id)
	if st.Int("received") < 100 {
		t.Errorf("the phone received %d RTP packets from baresip in ~5 s: %s", st.Int("received"), st.Raw)
	}
	if out, rc := l.baresipCtl(bobCtl, "hangup", "CALL_CLOSED", 10*time.Second); rc != 0 {
		t.Errorf("baresip's hangup: rc=%d %s", rc, out)
	}
	term := p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	if !strings.Contains(term.Str("reason"), "remote BYE") {
		t.Errorf("baresip's BYE did not reach the phone: %s", term.Raw)
	}
	checkBaresipHeard(t, l, bob, 440, 1)
	p.stop()
	b, _ := os.ReadFile(trace)
	if !regexp.MustCompile(`(?m)^Contact: <?sip:sipterm@127\.0\.0\.1:5119;transport=tls>?`).Match(b) {
		t.Errorf("our 200 OK has no Contact on the TLS port:\n%s", tail(string(b), 40))
	}
	for _, m := range traceHead.FindAllStringSubmatch(string(b), -1) {
		if strings.TrimSpace(m[5]) != "" && m[1] != "TLS" {
			t.Errorf("a message not over TLS: %s %s %s %s %s", m[1], m[2], m[3], m[4], m[5])
		}
	}
}

// expiredServerCert makes a CA and a certificate for 127.0.0.1 that it signed and that expired
// yesterday (openssl 3.0 cannot date one in the past); kamailio serves it (KAM_TLS_CERT).
func expiredServerCert(t *testing.T) ([]string, string) {
	t.Helper()
	dir := t.TempDir()
	caKey, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now()
	caTmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "sipterm e2e CA"},
		NotBefore: now.Add(-72 * time.Hour), NotAfter: now.Add(72 * time.Hour), IsCA: true,
		BasicConstraintsValid: true, KeyUsage: x509.KeyUsageCertSign}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(2), Subject: pkix.Name{CommonName: "127.0.0.1"},
		NotBefore: now.Add(-48 * time.Hour), NotAfter: now.Add(-24 * time.Hour),
		IPAddresses: []net.IP{net.ParseIP("127.0.0.1")}, KeyUsage: x509.KeyUsageDigitalSignature,
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	pkcs8, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	caFile := writeFile(t, dir, "ca.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: caDER})))
	certFile := writeFile(t, dir, "server.pem", string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})))
	keyFile := writeFile(t, dir, "server.key", string(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: pkcs8})))
	return []string{"KAM_TLS_CERT=" + certFile, "KAM_TLS_KEY=" + keyFile}, caFile
}

// otherCA makes a throwaway CA with openssl that signed nothing the lab serves.
func otherCA(t *testing.T) string {
	t.Helper()
	dir := t.TempDir()
	out, err := exec.Command("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "2",
		"-keyout", filepath.Join(dir, "ca.key"), "-out", filepath.Join(dir, "ca.pem"),
		"-subj", "/O=sipterm e2e/CN=a CA nobody uses").CombinedOutput()
	if err != nil {
		t.Fatalf("openssl: %v %s", err, out)
	}
	return filepath.Join(dir, "ca.pem")
}

// checkBaresipHeard waits (bounded) for baresip's n-th received-audio recording and checks its tone.
func checkBaresipHeard(t *testing.T, l *Lab, b Peer, hz, n int) {
	t.Helper()
	out, ok := "", false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		files, _ := filepath.Glob(filepath.Join(b.KV["rec"], "dump-*-dec.wav"))
		sort.Strings(files)
		if len(files) < n {
			out = "fewer than " + string(rune('0'+n)) + " dump-*-dec.wav in " + b.KV["rec"]
			continue
		}
		if out, ok = l.wavcheck(files[len(files)-1], hz); ok {
			break
		}
	}
	if !ok {
		t.Errorf("baresip's recording of call %d does not hold the phone's %d Hz tone: %s", n, hz, out)
	} else {
		t.Logf("baresip rec %d: %s", n, out)
	}
}

var traceHead = regexp.MustCompile(`(?m)^=== \S+ \S+ (\S+) (\S+) (->|<-) (\S+) \(\d+ bytes\)\n(.*)`)

// checkTraceOnlyTLS: every message in the phone's SIP trace went over TLS to or from server,
// and each of the methods was seen.
func checkTraceOnlyTLS(t *testing.T, trace, server string, methods []string) {
	t.Helper()
	b, err := os.ReadFile(trace)
	if err != nil {
		t.Fatal(err)
	}
	msgs := traceHead.FindAllStringSubmatch(string(b), -1)
	if len(msgs) == 0 {
		t.Fatalf("no message in the SIP trace %s", trace)
	}
	seen := map[string]bool{}
	for _, m := range msgs {
		if strings.TrimSpace(m[5]) == "" && m[4] == server {
			continue // a CRLF keep-alive on the connection (no Via to tell its transport by)
		}
		if m[1] != "TLS" || m[4] != server {
			t.Errorf("a message not over TLS to %s: %s %s %s %s %s", server, m[1], m[2], m[3], m[4], m[5])
		}
		if f := strings.Fields(m[5]); len(f) > 0 {
			seen[f[0]] = true
		}
	}
	for _, want := range methods {
		if !seen[want] {
			t.Errorf("no %s in the SIP trace (seen %v)", want, seen)
		}
	}
}

// checkKamailioSawOnlyTLS: kamailio logged requests from user, and all of them came over TLS.
func checkKamailioSawOnlyTLS(t *testing.T, l *Lab, user string) {
	t.Helper()
	klog, _ := os.ReadFile(filepath.Join(l.Dir, "kamailio.log"))
	reqs := regexp.MustCompile(`REQ (\S+) \S+ from sips?:`+user+`@\S+ \(\S+/(\w+)\)`).FindAllStringSubmatch(string(klog), -1)
	if len(reqs) == 0 {
		t.Fatalf("kamailio logged no request from %s", user)
	}
	for _, r := range reqs {
		if r[2] != "tls" {
			t.Errorf("kamailio got %s from %s over %s, want tls", r[1], user, r[2])
		}
	}
}
