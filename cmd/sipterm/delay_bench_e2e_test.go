//go:build delaybench

package main

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// The mouth-to-ear delay benchmark (.ci/bench/delay.sh, `make bench`; built only with the
// delaybench tag, so `make test` does not run it). Two phones on the acoustic lab (see
// acousticLab): side a calls side b; clicks go into each side's microphone in turn, and each
// click's arrival in the other side's speaker is found by cross-correlation. One call measures
// both directions. Pairs: sipterm(a)-baresip(b) gives sipterm->baresip and baresip->sipterm;
// baresip(a)-baresip(b) gives baresip->baresip (twice), and sipterm(a)-sipterm(b)
// sipterm->sipterm (twice): each phone's own added delay, capture on one side plus jitter
// buffer and playback on the other. The lab's processes run at nice -10 (the machine is
// shared; a starved sound server plays gaps that are nobody's fault). Loopback network delay (tens of µs)
// is below the instrument's resolution (125 µs) and is not subtracted.
//
// Output: one line per pair and direction and round, and a summary of medians:
//
//	delay round=1 dir=sipterm->baresip median_ms=... clicks=... missed=... pa_underruns=... sipterm_xruns=...
//	delay summary dir=sipterm->baresip median_ms=...            (median over the rounds)
//	delay summary pair=sipterm-baresip pa_underruns_per_call=... (median over the calls)
//
// env: DELAY_ROUNDS (default 3), DELAY_CLICKS per direction and call (default 6), DELAY_PAIRS
// (default "sipterm-baresip baresip-baresip sipterm-sipterm"; "pulse-baresip" and "pulse-pulse"
// are sipterm with --audio pulse, its directions named "pulse"; "wire-wire" measures the lab's
// floor: the sound server's module-loopback in place of the phones); DELAY_DEVICE_LOG=1 logs each
// sipterm's sound device lines (opened, xruns, ladder steps, closed with its stats).

// wireLatencyMs: the latency each relay of the wire pair asks module-loopback for.
const wireLatencyMs = 20

var underrunRE = regexp.MustCompile(`(?i)underrun of '`)

type delayRow struct {
	dir                  string
	ms                   []float64
	missed               int
	paUnderruns, paXruns int // PulseAudio client underruns during the call; sipterm's PortAudio flags
}

func delayEnvInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

func TestMouthToEar(t *testing.T) {
	needTools(t, "baresip", "sox")
	t.Setenv("PULSE_LOG_LEVEL", "debug") // the server logs every client underrun
	rounds, n := delayEnvInt("DELAY_ROUNDS", 3), delayEnvInt("DELAY_CLICKS", 6)
	pairs := os.Getenv("DELAY_PAIRS")
	if pairs == "" {
		pairs = "sipterm-baresip baresip-baresip sipterm-sipterm"
	}
	all := map[string][]float64{}
	under, xruns := map[string][]float64{}, map[string][]float64{} // per call, by pair
	var order []string
	for r := 1; r <= rounds; r++ {
		for _, pair := range strings.Fields(pairs) {
			var rows []delayRow
			t.Run(fmt.Sprintf("%s-r%d", pair, r), func(t *testing.T) { rows = measurePair(t, pair, n) })
			if len(rows) > 0 {
				under[pair] = append(under[pair], float64(rows[0].paUnderruns))
				xruns[pair] = append(xruns[pair], float64(rows[0].paXruns))
			}
			for _, row := range rows {
				fmt.Printf("delay round=%d dir=%s median_ms=%.1f clicks=%d missed=%d pa_underruns=%d sipterm_xruns=%d all_ms=%s\n",
					r, row.dir, acMedian(row.ms), len(row.ms), row.missed, row.paUnderruns, row.paXruns, joinMs(row.ms))
				if _, ok := all[row.dir]; !ok {
					order = append(order, row.dir)
				}
				all[row.dir] = append(all[row.dir], acMedian(row.ms))
			}
		}
	}
	for _, dir := range order {
		fmt.Printf("delay summary dir=%s median_ms=%.1f rounds=%s\n", dir, acMedian(all[dir]), joinMs(all[dir]))
	}
	for _, pair := range strings.Fields(pairs) {
		fmt.Printf("delay summary pair=%s pa_underruns_per_call=%.0f sipterm_xruns_per_call=%.0f calls=%d\n", pair, acMedian(under[pair]), acMedian(xruns[pair]), len(under[pair]))
	}
}

func joinMs(ms []float64) string {
	s := make([]string, len(ms))
	for i, m := range ms {
		s[i] = strconv.FormatFloat(m, 'f', 1, 64)
	}
	return strings.Join(s, ",")
}

// measurePair runs one call between the pair and measures n clicks each way.
func measurePair(t *testing.T, pair string, n int) []delayRow {
	l := lab(t)
	a := startAcousticLab(t, l)
	pulseLog := filepath.Join(l.Dir, "pulse", "pulseaudio.log")
	peerEnv := func(side string) []string {
		return append(a.sideEnv(side), "AUTOANSWER=1", "AUDIO_DEV=alsa")
	}
	var hangup func()
	var phone, phoneB *Phone
	var pids []int
	aName, bName := "sipterm", "baresip"
	// "pulse-*" pairs are sipterm with --audio pulse, named "pulse" in the directions
	kind := "portaudio"
	if p, ok := strings.CutPrefix(pair, "pulse-"); ok {
		kind, aName, pair = "pulse", "pulse", "sipterm-"+p
	}
	switch pair {
	case "wire-wire":
	case "sipterm-sipterm", "sipterm-pulse":
		bName = aName
		phoneB = startPhoneEnv(t, a.sideEnv("b"), "--listen", phoneAddr(5256), "--audio", kind, "--log-level", "info", "--auto-answer", "0s")
		pids = append(pids, phoneB.cmd.Process.Pid)
	default:
		pids = append(pids, acPeerPid(l.startPeer(append(peerEnv("b"), "NAME=baresip-b"), "baresip.sh", "5252")))
	}
	switch pair {
	case "sipterm-baresip", "sipterm-sipterm", "sipterm-pulse":
		phone = startPhoneEnv(t, a.sideEnv("a"), "--listen", phoneAddr(5250), "--audio", kind, "--log-level", "info")
		pids = append(pids, phone.cmd.Process.Pid)
		if bName != "baresip" {
			phone.Send("dial sip:sipterm@" + phoneAddr(5256))
		} else {
			phone.Send("dial sip:baresip@127.0.0.1:5252")
		}
		id := phone.waitFor(15*time.Second, "call", "state", "established").Str("id")
		hangup = func() {
			phone.Send("hangup " + id)
			phone.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
			phone.stop()
		}
	case "wire-wire":
		// the lab's own floor: no phone, the sound server's own relay (module-loopback, which
		// holds its latency steady) from a's microphone into b's speaker and from b's into a's.
		// What a client pays for one capture and one playback stream through this sound server
		// at wireLatencyMs; sipterm->sipterm minus this is what the phones add (packetisation,
		// jitter buffer, device buffers, the ALSA plugin).
		aName, bName = "wire", "wire"
		for _, d := range [][2]string{{"a_mic", "b_spk"}, {"b_mic", "a_spk"}} {
			a.pactl("load-module", "module-loopback", "source="+d[0], "sink="+d[1], fmt.Sprintf("latency_msec=%d", wireLatencyMs),
				"source_dont_move=true", "sink_dont_move=true")
		}
		hangup = func() {}
	case "baresip-baresip":
		aName = "baresip"
		pids = append(pids, acPeerPid(l.startPeer(append(peerEnv("a"), "NAME=baresip-a"), "baresip.sh", "5254")))
		if out, rc := l.baresipCtl("35254", "dial sip:baresip@127.0.0.1:5252", "CALL_ESTABLISHED", 15*time.Second); rc != 0 {
			t.Fatalf("baresip a did not reach baresip b: rc %d\n%s", rc, out)
		}
		hangup = func() { l.baresipCtl("35254", "hangup", "", 5*time.Second) }
	}
	time.Sleep(2 * time.Second) // past the start of the call: jitter buffers settled
	acPrioritise(acPulsePid(l)) // again: the threads started with the call
	for _, p := range pids {
		acPrioritise(p)
	}
	before := delayCountLines(pulseLog, underrunRE)

	stim := filepath.Join(a.dir, "stim.raw")
	// a's microphone (left) at 0.5, 2.5, ... s; b's (right) at 1.5, 3.5, ... s
	writeStereo(t, stim, acClicks(n, 0.5, 2, 1), acClicks(n, 1.5, 2, 0))
	stop := a.record(pair)
	a.play(stim)
	time.Sleep(500 * time.Millisecond)
	ch := stop()
	underruns := delayCountLines(pulseLog, underrunRE) - before
	hangup()

	xruns := 0
	for _, p := range []*Phone{phone, phoneB} { // both sides' flags when both are sipterm
		if p != nil {
			p.stop()
			xruns += portAudioXruns(t, p.errLog)
			if b, err := os.ReadFile(p.errLog); err == nil && os.Getenv("DELAY_DEVICE_LOG") != "" {
				for _, line := range strings.Split(string(b), "\n") {
					if strings.Contains(line, "sound device") || strings.Contains(line, "media stats") || strings.Contains(line, "jitter") {
						t.Log(line)
					}
				}
			}
		}
	}
	ab, missAB := delaysMs(ch, 0, 3)
	ba, missBA := delaysMs(ch, 2, 1)
	if len(ab) == 0 || len(ba) == 0 {
		t.Fatalf("no click arrived: a->b %d (missed %d), b->a %d (missed %d)", len(ab), missAB, len(ba), missBA)
	}
	return []delayRow{
		{dir: aName + "->" + bName, ms: ab, missed: missAB, paUnderruns: underruns, paXruns: xruns},
		{dir: bName + "->" + aName, ms: ba, missed: missBA, paUnderruns: underruns, paXruns: xruns},
	}
}

func delayCountLines(file string, re *regexp.Regexp) int {
	b, _ := os.ReadFile(file)
	return len(re.FindAllIndex(b, -1))
}

var statsRE = regexp.MustCompile(`InputOverflows:(\d+) OutputUnderflows:(\d+)`)

// portAudioXruns reads the PortAudio device's overflow and underflow flags from the phone's
// "sound device closed" log line.
func portAudioXruns(t *testing.T, errLog string) int {
	b, _ := os.ReadFile(errLog)
	m := statsRE.FindAllSubmatch(b, -1)
	if len(m) == 0 {
		t.Errorf("no sound device stats in %s", errLog)
		return -1
	}
	last := m[len(m)-1]
	in, _ := strconv.Atoi(string(last[1]))
	out, _ := strconv.Atoi(string(last[2]))
	return in + out
}

// acPulsePid is the lab's PulseAudio server.
func acPulsePid(l *Lab) int {
	b, _ := os.ReadFile(filepath.Join(l.Dir, "pulse", "pulseaudio.pid"))
	n, _ := strconv.Atoi(strings.TrimSpace(string(b)))
	return n
}

func acPeerPid(p Peer) int {
	n, _ := strconv.Atoi(p.KV["pid"])
	return n
}

// acPrioritise renices every thread of pid to -10 (as root; elsewhere it quietly does nothing).
func acPrioritise(pid int) {
	if pid <= 0 {
		return
	}
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	for _, task := range tasks {
		if tid, err := strconv.Atoi(filepath.Base(task)); err == nil {
			_ = syscall.Setpriority(syscall.PRIO_PROCESS, tid, -10)
		}
	}
}

// sideEnv is the environment of a phone on side "a" or "b".
func (a *acousticLab) sideEnv(side string) []string {
	return append(append([]string(nil), a.env...), "PULSE_SINK="+side+"_spk", "PULSE_SOURCE="+side+"_mic")
}
