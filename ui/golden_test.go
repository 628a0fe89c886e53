package ui

import (
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/sipterm/sipterm/phone"
)

var update = flag.Bool("update", false, "rewrite the golden screens in testdata")

// scene fills the fake core with a representative state: two accounts, an established call with
// media and a SIP ladder, an incoming call, and some log lines.
func scene(h *harness) {
	// The writer's line first, and wait for it: it races with the pump otherwise.
	fmt.Fprintln(h.u.LogWriter(), "time=2026-01-02T12:00:20Z level=INFO msg=\"registered\" account=alice")
	h.waitText("registered account=alice")
	t0 := fixedNow.Add(-40 * time.Second)
	h.core.publish(
		phone.EventReady{Listen: []string{"udp:127.0.0.1:5060", "tcp:127.0.0.1:5060"}},
		phone.EventRegistration{Account: phone.AccountInfo{Name: "alice", AOR: "sip:alice@example.org",
			State: phone.RegRegistered, Code: 200, Reason: "OK", Expires: fixedNow.Add(3*time.Minute + 20*time.Second)}},
		phone.EventRegistration{Account: phone.AccountInfo{Name: "work", AOR: "sip:1001@pbx.example.com",
			State: phone.RegFailed, Code: 403, Reason: "Forbidden", LastError: "403 Forbidden"}},
	)
	c1 := phone.CallInfo{ID: "c1", Account: "alice", Direction: phone.DirOut, Remote: "sip:bob@example.org",
		State: phone.StateCalling, Created: t0}
	sip := func(d time.Duration, out bool, summary string) phone.EventSIP {
		return phone.EventSIP{Time: t0.Add(d), CallID: "c1", Out: out, Summary: summary,
			Local: "udp:127.0.0.1:5060", Remote: "udp:192.0.2.10:5060"}
	}
	h.core.publish(
		phone.EventCall{Call: c1},
		sip(0, true, "INVITE sip:bob@example.org SIP/2.0"),
		sip(30*time.Millisecond, false, "SIP/2.0 100 Trying"),
		sip(120*time.Millisecond, false, "SIP/2.0 180 Ringing"),
	)
	c1.State = phone.StateRinging
	h.core.publish(phone.EventCall{Call: c1})
	c1.State, c1.Answered, c1.Codec = phone.StateEstablished, t0.Add(2*time.Second), "PCMU"
	c1.MediaLocal, c1.MediaRemote = "127.0.0.1:11000", "192.0.2.10:12000"
	h.core.publish(
		sip(2*time.Second, false, "SIP/2.0 200 OK"),
		sip(2*time.Second+time.Millisecond, true, "ACK sip:bob@192.0.2.10:5060 SIP/2.0"),
		phone.EventCall{Call: c1},
		phone.EventMedia{ID: "c1", Codec: "PCMU", Local: c1.MediaLocal, Remote: c1.MediaRemote, Direction: "sendrecv"},
		phone.EventStats{ID: "c1", Stats: phone.MediaStats{PacketsSent: 1900, PacketsReceived: 1890, PacketsLost: 4,
			LossPercent: 0.2, JitterMs: 1.3, RTTMs: 21, JitterBufferMs: 40, MicDBFS: -18, SpeakerDBFS: -32, MOS: 4.3}},
		phone.EventDTMF{ID: "c1", Digit: "5", Source: "rtp"},
		phone.EventSIP{Time: t0.Add(5 * time.Second), Out: true, Summary: "REGISTER sip:example.org SIP/2.0", Remote: "udp:192.0.2.1:5060"},
		phone.EventNotice{Level: "warn", Message: "no sound device: using null audio"},
	)
	h.core.publish(phone.EventCall{Call: incoming("c2", "sip:carol@example.org")})
}

func TestGoldenScreens(t *testing.T) {
	for _, size := range [][2]int{{80, 24}, {160, 48}} {
		name := fmt.Sprintf("main_%dx%d", size[0], size[1])
		t.Run(name, func(t *testing.T) {
			h := start(t, size[0], size[1], Options{}, nil)
			h.waitText("no calls")
			scene(h)
			path := filepath.Join("testdata", name+".golden")
			ready := func(s string) bool {
				return strings.Contains(s, "INCOMING CALL c2") &&
					strings.Contains(s, "1001@pbx")
			}
			if *update {
				s := h.waitFor("the scene", ready)
				// Let the last events settle, then take the screen once more.
				s = h.waitFor("a stable screen", func(s2 string) bool { same := s2 == s; s = s2; return same })
				if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(path)
			if err != nil {
				t.Fatalf("%v (run go test ./ui -run Golden -update)", err)
			}
			var got string
			deadline := time.Now().Add(waitLimit)
			for time.Now().Before(deadline) {
				if got = h.text(); got == string(want) {
					return
				}
				time.Sleep(10 * time.Millisecond)
			}
			t.Errorf("screen differs from %s (rerun with -update if intended)\n--- got\n%s\n--- want\n%s", path, got, want)
		})
	}
}
