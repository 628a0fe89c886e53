package main

// Wideband through the sound card: baresip with Opus calls the phone running --audio portaudio
// on the PulseAudio lab. Baresip's 6 kHz tone must come out of the phone's speaker (the sink
// monitor, recorded at 48 kHz), and a 6 kHz tone fed into the phone's microphone must reach
// baresip's recording: neither survives an 8 kHz step anywhere on the way. Ports: baresip 5300
// (TLS 5301, ctrl 35300), the phone 5302.

import (
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestWidebandPortAudio(t *testing.T) {
	needTools(t, "baresip", "sox")
	l := lab(t)
	env := startPulseLab(t, l)
	peer := l.startPeer([]string{"AUTOANSWER=1", "SINE_FREQ=6000", "CODECS=opus,PCMU"}, "baresip.sh", "5300")
	ctl := portOf(peer.KV["ctrl"])
	dir := testDir(t, "wideband-device")
	bg(t, env, "sox -n -t raw -r 48000 -e signed -b 16 -c 1 - synth 30 sine 6000 vol 0.5 | timeout 30 pacat -p -d lab_mic --format=s16le --rate=48000 --channels=1 --raw")

	p := startPhoneEnv(t, env, "--listen", phoneAddr(5302), "--audio", "portaudio")
	p.noEvent("audio fallback", func(e Event) bool {
		return e.Str("event") == "notice" && strings.Contains(e.Str("message"), "null audio")
	})
	res := l.baresipCtlAsync(ctl, "dial sip:sipterm@"+phoneAddr(5302), "CALL_ESTABLISHED|CALL_CLOSED", 20*time.Second)
	id := p.waitFor(15*time.Second, "call", "state", "incoming").Str("id")
	p.Send("answer " + id)
	p.waitFor(10*time.Second, "call", "id", id, "state", "established")
	if m := p.waitFor(5*time.Second, "media", "id", id); m.Str("codec") != "opus" {
		t.Errorf("media codec %q, want opus: %s", m.Str("codec"), m.Raw)
	}
	if r := <-res; r.RC != 0 || !strings.Contains(r.Out, `"type":"CALL_ESTABLISHED"`) {
		t.Fatalf("baresip's dial: rc=%d, no CALL_ESTABLISHED:\n%s", r.RC, r.Out)
	}
	// Record the speaker only while the call is up (not the ringing before it).
	time.Sleep(500 * time.Millisecond)
	speakerRaw := filepath.Join(dir, "speaker.raw")
	stopRec := bg(t, env, "exec parec --latency-msec=20 -d lab_speaker.monitor --format=s16le --rate=48000 --channels=1 --raw > "+speakerRaw)
	time.Sleep(3 * time.Second)
	stopRec()
	if out, rc := l.baresipCtl(ctl, "hangup", "CALL_CLOSED", 10*time.Second); rc != 0 {
		t.Errorf("baresip's hangup: rc=%d %s", rc, out)
	}
	p.waitFor(10*time.Second, "call", "id", id, "state", "terminated")

	speaker := filepath.Join(dir, "speaker.wav")
	if out, err := exec.Command("sox", "-t", "raw", "-r", "48000", "-e", "signed", "-b", "16", "-c", "1", speakerRaw, speaker).CombinedOutput(); err != nil {
		t.Fatalf("sox: %v %s", err, out)
	}
	t.Log("the speaker holds baresip's 6 kHz")
	checkToneShare(t, speaker, 6000)
	t.Log("baresip's recording holds the 6 kHz from the phone's microphone")
	checkPeerRecording(t, l, peer, 48000, 6000)
}
