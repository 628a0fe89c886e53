package main

import (
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// checkSngrep: sngrep (no interface, INVITE dialogs only) finds exactly one call in a capture,
// and the pcap it writes of that call (-O) holds the dialog's INVITE with the capture's From and
// To, its 200 and the BYE: sngrep parsed every message as one dialog.
func checkSngrep(t *testing.T, pcap string) {
	t.Helper()
	out := filepath.Join(t.TempDir(), "sngrep.pcap")
	cmd := exec.Command("sngrep", "-N", "-F", "-c", "-I", pcap, "-O", out)
	cmd.Env = append(os.Environ(), "TERM=dumb")
	b, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("sngrep -I %s: %v\n%s", pcap, err, b)
	}
	if s := string(b); !strings.HasSuffix(strings.TrimSpace(s), "Dialog count: 1") {
		t.Fatalf("sngrep did not find one call dialog in %s:\n%s", pcap, s)
	}
	fields := func(file string) string {
		b, err := exec.Command("tshark", "-r", file, "-Y", "sip", "-T", "fields",
			"-e", "sip.Method", "-e", "sip.Status-Code", "-e", "sip.CSeq", "-e", "sip.from.addr", "-e", "sip.to.addr").CombinedOutput()
		if err != nil {
			t.Fatalf("tshark -r %s: %v\n%s", file, err, b)
		}
		return string(b)
	}
	orig, seen := fields(pcap), fields(out)
	var invite string
	for _, l := range strings.Split(orig, "\n") {
		if strings.HasPrefix(l, "INVITE\t") {
			invite = l
			break
		}
	}
	if invite == "" || !strings.Contains(seen, invite+"\n") || !strings.Contains(seen, "\t2 BYE\t") || !strings.Contains(seen, "\t200\t1 INVITE\t") {
		t.Fatalf("sngrep's pcap of the call lacks the INVITE %q, its 200 or the BYE:\n%s", invite, seen)
	}
	t.Logf("sngrep: 1 call dialog; %s", strings.ReplaceAll(invite, "\t", " "))
}
