package audio

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// startPulse starts a private PulseAudio server with the null sinks lab_speaker and lab_mic
// (the project's .ci/lab/audio-server.sh), points this process at it and stops it at cleanup.
// It returns a function that stops it sooner.
func startPulse(t *testing.T) (stop func()) {
	t.Helper()
	return startPulseIn(t, t.TempDir())
}

// startPulseIn starts the server with its state in lab; a stopped server can be started again
// in the same lab, on the same socket.
func startPulseIn(t *testing.T, lab string) (stop func()) {
	t.Helper()
	if testing.Short() {
		// `make unit` (-short) runs without peers; `make test` and `make interop` never pass -short.
		t.Skip("starts a PulseAudio server: run by make test / make interop, not by make unit (-short)")
	}
	for _, tool := range []string{"pulseaudio", "pactl", "pacat", "parec"} {
		needTool(t, tool)
	}
	_, file, _, _ := runtime.Caller(0)
	script := filepath.Join(filepath.Dir(file), "..", ".ci", "lab", "audio-server.sh")
	cmd := exec.Command("bash", script, "start")
	cmd.Env = append(os.Environ(), "LAB_DIR="+lab)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("starting PulseAudio: %v\n%s", err, stderr.String())
	}
	pidfile := filepath.Join(lab, "pulse", "pulseaudio.pid")
	pid, _ := os.ReadFile(pidfile)
	var once sync.Once
	stop = func() { once.Do(func() { stopPulse(t, script, lab, pid) }) }
	t.Cleanup(stop)
	sc := bufio.NewScanner(bytes.NewReader(out))
	for sc.Scan() { // export NAME='value'
		line, ok := strings.CutPrefix(sc.Text(), "export ")
		if !ok {
			continue
		}
		name, value, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		t.Setenv(name, strings.Trim(value, "'"))
	}
	if os.Getenv("PULSE_SERVER") == "" {
		t.Fatalf("audio-server.sh printed no PULSE_SERVER:\n%s", out)
	}
	return stop
}

// stopPulse stops the server with the script and makes sure its process is gone.
func stopPulse(t *testing.T, script, lab string, pid []byte) {
	cmd := exec.Command("bash", script, "stop")
	cmd.Env = append(os.Environ(), "LAB_DIR="+lab)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Errorf("stopping PulseAudio: %v\n%s", err, out)
	}
	if n, err := strconv.Atoi(strings.TrimSpace(string(pid))); err == nil && syscall.Kill(n, 0) == nil {
		t.Errorf("PulseAudio (pid %d) still running after stop; killing it", n)
		_ = syscall.Kill(n, syscall.SIGKILL)
	}
}

// background starts a shell pipeline for the test's duration and returns its stdout buffer
// (read once the process ends, after stop).
type background struct {
	cmd  *exec.Cmd
	out  bytes.Buffer
	done chan error
}

func startBackground(t *testing.T, pipeline string) *background {
	t.Helper()
	b := &background{cmd: exec.Command("bash", "-c", pipeline), done: make(chan error, 1)}
	b.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true} // its own group: stop ends the whole pipeline
	b.cmd.Stdout = &b.out
	var stderr bytes.Buffer
	b.cmd.Stderr = &stderr
	if err := b.cmd.Start(); err != nil {
		t.Fatalf("starting %q: %v", pipeline, err)
	}
	go func() { b.done <- b.cmd.Wait() }()
	t.Cleanup(func() { b.stop() })
	return b
}

// stop ends the pipeline (the process group it started) and waits for it.
func (b *background) stop() []byte {
	select {
	case <-b.done:
	default:
		_ = syscall.Kill(-b.cmd.Process.Pid, syscall.SIGKILL) // the group this test started
		<-b.done
		b.done <- nil
	}
	return b.out.Bytes()
}

// pcm8k decodes raw s16le mono bytes.
func pcm8k(b []byte) []int16 {
	s := make([]int16, len(b)/2)
	for i := range s {
		s[i] = int16(uint16(b[2*i]) | uint16(b[2*i+1])<<8)
	}
	return s
}

// waitPulseStreams waits until the server has at least the given numbers of playback and
// record streams, so that a feeder or recorder started in the background is connected (and has
// set its sink's latency) before the device under test opens.
func waitPulseStreams(t *testing.T, playback, record int) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		p, r := pulseStreams(t)
		if p >= playback && r >= record {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("PulseAudio has %d playback and %d record streams after 10 s, want %d and %d", p, r, playback, record)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// pulseStreams counts the server's playback (sink-input) and record (source-output) streams.
func pulseStreams(t *testing.T) (playback, record int) {
	t.Helper()
	count := func(what string) int {
		out, err := exec.Command("pactl", "list", "short", what).Output()
		if err != nil {
			t.Fatalf("pactl list short %s: %v", what, err)
		}
		return strings.Count(string(out), "\n")
	}
	return count("sink-inputs"), count("source-outputs")
}

// labNice is the niceness the lab's processes get: the machine has two cores shared with other
// tests and builds, and a starved sound server records gaps that are not the device's fault.
const labNice = -10

// prioritise renices every thread of pid (as root; elsewhere it quietly does nothing).
func prioritise(pid int) {
	tasks, _ := filepath.Glob(fmt.Sprintf("/proc/%d/task/*", pid))
	for _, task := range tasks {
		if tid, err := strconv.Atoi(filepath.Base(task)); err == nil {
			_ = syscall.Setpriority(syscall.PRIO_PROCESS, tid, labNice)
		}
	}
}

// prioritiseLab renices the sound server, every process of the pipelines, and this test process.
func prioritiseLab(pids ...int) {
	prioritise(os.Getpid())
	if out, err := exec.Command("pgrep", "-x", "pulseaudio").Output(); err == nil {
		for _, f := range strings.Fields(string(out)) {
			if p, err := strconv.Atoi(f); err == nil && strings.Contains(readCmdline(p), os.Getenv("PULSE_SERVER")[len("unix:"):]) {
				prioritise(p)
			}
		}
	}
	for _, p := range pids {
		children, _ := exec.Command("pgrep", "-g", strconv.Itoa(p)).Output()
		for _, f := range strings.Fields(string(children)) {
			if c, err := strconv.Atoi(f); err == nil {
				prioritise(c)
			}
		}
	}
}

func readCmdline(pid int) string {
	b, _ := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid))
	return string(b)
}

// pid is the pipeline's process group.
func (b *background) pid() int { return b.cmd.Process.Pid }
