package main

import (
	"encoding/json"
	"fmt"
	"math"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestCaptureExportBaresip: the phone (capture_dir set) calls baresip for ~3 s and hangs up.
// capture_dir then holds the call's pcap and JSON summary, and `export` after the call writes it
// again elsewhere. tshark decodes the INVITE/200/ACK/BYE dialog from the pcap, and its RTP stream
// analysis counts, each way, the packets the phone's own stats counted (within 1 %).
// sngrep reads the pcap as one INVITE dialog with the call's From and To (sngrep_e2e_test.go).
// sngrep reads the pcap as one INVITE dialog (sngrep_e2e_test.go).
func TestCaptureExportBaresip(t *testing.T) {
	needTools(t, "baresip", "tshark", "sngrep")
	l := lab(t)
	l.startPeer([]string{"AUTOANSWER=1", "RECORD=0"}, "baresip.sh", "5264")
	dir := t.TempDir()
	capDir := filepath.Join(dir, "captures")
	cfg := writeFile(t, dir, "config.toml", fmt.Sprintf("capture_dir = %q\n", capDir))

	p := startPhone(t, "--config", cfg, "--listen", "127.0.0.1:5262", "--audio", "null")
	p.Send("dial sip:baresip@127.0.0.1:5264")
	id := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	time.Sleep(3 * time.Second)
	p.Send("hangup " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")

	// capture_dir: written ~2 s after the end (the 200 to our BYE comes after it)
	var sumPath string
	for deadline := time.Now().Add(10 * time.Second); sumPath == ""; time.Sleep(200 * time.Millisecond) {
		if m, _ := filepath.Glob(filepath.Join(capDir, "sipterm-*-"+id+".json")); len(m) == 1 {
			sumPath = m[0]
		} else if time.Now().After(deadline) {
			t.Fatalf("no capture summary for %s in %s within 10 s", id, capDir)
		}
	}
	checkCapture(t, sumPath)

	// export after the call, into another directory
	other := filepath.Join(dir, "exported")
	p.Send("export " + id + " " + other)
	ex := p.waitFor(10*time.Second, "export", "id", id)
	if !strings.HasPrefix(ex.Str("pcap"), other+"/") {
		t.Fatalf("export wrote %q, want it under %s", ex.Str("pcap"), other)
	}
	checkCapture(t, ex.Str("summary"))
}

// checkCapture reads a capture summary and checks its pcap with tshark.
func checkCapture(t *testing.T, sumPath string) {
	t.Helper()
	data, err := os.ReadFile(sumPath)
	if err != nil {
		t.Fatal(err)
	}
	var sum struct {
		Pcap string `json:"pcap"`
		Call struct {
			Stats struct {
				PacketsSent     uint64
				PacketsReceived uint64
			}
		} `json:"call"`
		Timeline  []struct{ Line string } `json:"timeline"`
		LocalSDP  string                  `json:"local_sdp"`
		RemoteSDP string                  `json:"remote_sdp"`
		Packets   struct {
			RTPIn  int  `json:"rtp_in"`
			RTPOut int  `json:"rtp_out"`
			Media  bool `json:"media"`
		} `json:"packets"`
	}
	if err := json.Unmarshal(data, &sum); err != nil {
		t.Fatalf("%s: %v", sumPath, err)
	}
	if !sum.Packets.Media || sum.LocalSDP == "" || sum.RemoteSDP == "" || len(sum.Timeline) < 6 {
		t.Fatalf("summary incomplete: %s", data)
	}

	// the dialog, as tshark decodes it
	out, err := exec.Command("tshark", "-r", sum.Pcap, "-Y", "sip", "-T", "fields", "-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.CSeq").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark -r %s: %v\n%s", sum.Pcap, err, out)
	}
	dialog := string(out)
	for _, want := range []*regexp.Regexp{
		regexp.MustCompile(`(?m)^INVITE\t\t1 INVITE$`), regexp.MustCompile(`(?m)^\t200\t1 INVITE$`),
		regexp.MustCompile(`(?m)^ACK\t\t1 ACK$`), regexp.MustCompile(`(?m)^BYE\t\t2 BYE$`), regexp.MustCompile(`(?m)^\t200\t2 BYE$`),
	} {
		if !want.MatchString(dialog) {
			t.Errorf("tshark did not decode %s in the pcap's SIP:\n%s", want, dialog)
		}
	}

	// RTP streams: tshark's count of each direction vs the phone's own counters
	out, err = exec.Command("tshark", "-r", sum.Pcap, "-q", "-o", "rtp.heuristic_rtp:TRUE", "-z", "rtp,streams").CombinedOutput()
	if err != nil {
		t.Fatalf("tshark rtp,streams: %v\n%s", err, out)
	}
	counts := rtpStreamCounts(string(out))
	if len(counts) != 2 {
		t.Fatalf("tshark found %d RTP streams, want 2:\n%s", len(counts), out)
	}
	sent, recv := float64(sum.Call.Stats.PacketsSent), float64(sum.Call.Stats.PacketsReceived)
	if sent < 100 || recv < 100 {
		t.Fatalf("the phone counted %v sent, %v received: too few for a 3 s call", sent, recv)
	}
	near := func(a, b float64) bool { return math.Abs(a-b) <= 0.01*b }
	a, b := float64(counts[0]), float64(counts[1])
	if !(near(a, sent) && near(b, recv)) && !(near(a, recv) && near(b, sent)) {
		t.Errorf("tshark counts %v/%v RTP packets, the phone %v sent / %v received:\n%s", a, b, sent, recv, out)
	}
	t.Logf("%s: tshark %v/%v RTP packets; phone sent %v received %v", filepath.Base(sum.Pcap), a, b, sent, recv)
	checkSngrep(t, sum.Pcap)
}

// rtpStreamCounts reads the Packets column of tshark's "rtp,streams" table.
func rtpStreamCounts(out string) []int {
	var n []int
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		// start, end, src IP, port, dst IP, port, SSRC, payload, packets, lost, ...
		for i, v := range f {
			if strings.HasPrefix(v, "0x") && i+2 < len(f) {
				if c, err := strconv.Atoi(f[i+2]); err == nil {
					n = append(n, c)
				}
				break
			}
		}
	}
	return n
}
