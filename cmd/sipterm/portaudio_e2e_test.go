package main

import (
	"bufio"
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"
)

// startPulseLab starts the project's private PulseAudio server (null sinks lab_speaker, whose
// monitor records what the phone plays, and lab_mic, whose monitor is the phone's microphone)
// and returns the environment a client needs to reach it.
func startPulseLab(t *testing.T, l *Lab) []string {
	t.Helper()
	needTools(t, "pulseaudio", "pactl", "pacat", "parec", "sox")
	script := filepath.Join(labScripts, "audio-server.sh")
	cmd := exec.Command("bash", script, "start")
	cmd.Env = append(os.Environ(), "LAB_DIR="+l.Dir)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("starting PulseAudio: %v\n%s", err, stderr.String())
	}
	t.Cleanup(func() {
		stop := exec.Command("bash", script, "stop")
		stop.Env = append(os.Environ(), "LAB_DIR="+l.Dir)
		if out, err := stop.CombinedOutput(); err != nil {
			t.Errorf("stopping PulseAudio: %v\n%s", err, out)
		}
	})
	var env []string
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() {
		if line, ok := strings.CutPrefix(sc.Text(), "export "); ok {
			name, value, _ := strings.Cut(line, "=")
			env = append(env, name+"="+strings.Trim(value, "'"))
		}
	}
	if len(env) == 0 {
		t.Fatalf("audio-server.sh printed no environment:\n%s", out)
	}
	return env
}

// bg runs a shell pipeline in its own process group for at most the test's length.
func bg(t *testing.T, env []string, pipeline string) func() {
	t.Helper()
	cmd := exec.Command("bash", "-c", pipeline)
	cmd.Env = append(os.Environ(), env...)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true, Pdeathsig: syscall.SIGKILL}
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	if err := cmd.Start(); err != nil {
		t.Fatalf("%s: %v", pipeline, err)
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	stop := func() {
		_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(5 * time.Second):
			_ = syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL)
			<-done
		}
	}
	t.Cleanup(stop)
	return stop
}

// rmsOf reads sox's RMS amplitude of a WAV (0..1).
func rmsOf(t *testing.T, file string) float64 {
	t.Helper()
	out, _ := exec.Command("sox", file, "-n", "stat").CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "RMS     amplitude:") {
			v, err := strconv.ParseFloat(strings.TrimSpace(strings.TrimPrefix(line, "RMS     amplitude:")), 64)
			if err == nil {
				return v
			}
		}
	}
	t.Fatalf("sox stat %s: no RMS:\n%s", file, out)
	return 0
}

// TestPortAudioThroughPulse: the real PortAudio path. baresip sends 1 kHz; the phone plays it
// through PortAudio into a PulseAudio null sink, whose monitor recording holds 1 kHz at the
// level baresip sent. A 440 Hz tone fed into the capture source goes through the phone to
// baresip, whose recording holds it. Not one line of ALSA/JACK chatter reaches stderr.
func TestPortAudioThroughPulse(t *testing.T) { throughPulse(t, "portaudio", 5068, 5082) }

// throughPulse is TestPortAudioThroughPulse for the audio kind given, with baresip on
// peerPort and the phone on phonePort.
func throughPulse(t *testing.T, kind string, peerPort, phonePort int) {
	needTools(t, "baresip", "sox")
	l := lab(t)
	env := startPulseLab(t, l)
	peer := l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=1000"}, "baresip.sh", strconv.Itoa(peerPort))
	dir := testDir(t, "audio")
	speakerRaw := filepath.Join(dir, "speaker.raw")
	stopRec := bg(t, env, "exec timeout 40 parec --latency-msec=20 -d lab_speaker.monitor --format=s16le --rate=8000 --channels=1 --raw > "+speakerRaw)
	bg(t, env, "sox -n -t raw -r 8000 -e signed -b 16 -c 1 - synth 40 sine 440 vol 0.5 | timeout 40 pacat -p -d lab_mic --format=s16le --rate=8000 --channels=1 --raw")

	p := startPhoneEnv(t, env, "--listen", phoneAddr(phonePort), "--audio", kind, "--log-level", "info")
	p.noEvent("audio fallback", func(e Event) bool {
		return e.Str("event") == "notice" && strings.Contains(e.Str("message"), "null audio")
	})
	p.Send("dial sip:baresip@127.0.0.1:" + strconv.Itoa(peerPort))
	id := p.waitFor(15*time.Second, "call", "state", "established").Str("id")
	time.Sleep(5 * time.Second)
	p.Send("hangup " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")
	p.stop()
	time.Sleep(time.Second) // let the recorder drain what the sink played last
	stopRec()

	speaker := filepath.Join(dir, "speaker.wav")
	if out, err := exec.Command("sox", "-t", "raw", "-r", "8000", "-e", "signed", "-b", "16", "-c", "1", speakerRaw, speaker).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	out, ok := l.wavcheckTrimmed(speaker, 1000)
	if !ok {
		t.Errorf("the speaker (PulseAudio sink monitor) does not hold baresip's 1 kHz: %s", out)
	}
	t.Logf("speaker: %s", out)

	// The level: what baresip sent (its -enc recording) against what the speaker got.
	waitHeader := func(pattern string) string {
		var files []string
		for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(300 * time.Millisecond) {
			files, _ = filepath.Glob(filepath.Join(peer.KV["rec"], pattern))
			if len(files) > 0 {
				sort.Strings(files)
				// baresip writes the WAV header when the call has ended
				if out, err := exec.Command("sox", "--i", "-D", files[len(files)-1]).Output(); err == nil && strings.TrimSpace(string(out)) != "0.000000" {
					return files[len(files)-1]
				}
			}
		}
		t.Fatalf("no %s in %s", pattern, peer.KV["rec"])
		return ""
	}
	sent := rmsOf(t, waitHeader("dump-*-enc.wav"))
	played := rmsOf(t, strings.TrimSuffix(speaker, ".wav")+"-trimmed.wav")
	ratio := played / sent
	t.Logf("speaker level ratio %.2f (played %.3f, sent %.3f)", ratio, played, sent)
	if ratio < 0.7 || ratio > 1.4 {
		t.Errorf("speaker level %.3f vs baresip's sent level %.3f (ratio %.2f, want within ±3 dB)", played, sent, ratio)
	}

	// The microphone: baresip's decoded recording holds the 440 Hz fed into lab_mic.
	var micOut string
	ok = false
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline) && !ok; time.Sleep(500 * time.Millisecond) {
		micOut, ok = l.wavcheck(waitHeader("dump-*-dec.wav"), 440)
	}
	if !ok {
		t.Errorf("baresip's recording does not hold the 440 Hz from the phone's microphone: %s", micOut)
	}

	stderr, _ := os.ReadFile(p.errLog)
	for _, line := range strings.Split(string(stderr), "\n") {
		if strings.Contains(line, "sound device") { // opened, xruns, ladder steps, closed with its stats
			t.Log(line)
		}
	}
	for _, chatter := range []string{"ALSA lib", "jack server", "Cannot connect to server", "JackShm"} {
		if strings.Contains(string(stderr), chatter) {
			t.Errorf("library chatter %q reached the phone's stderr:\n%s", chatter, tail(string(stderr), 20))
		}
	}
}
