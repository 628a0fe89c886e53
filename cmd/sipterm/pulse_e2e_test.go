package main

import "testing"

// TestPulseThroughPulse is TestPortAudioThroughPulse for the native PulseAudio device
// (--audio pulse): baresip's 1 kHz reaches the sink at the level sent, the 440 Hz fed into
// the source reaches baresip, nothing falls back to null audio.
func TestPulseThroughPulse(t *testing.T) { throughPulse(t, "pulse", 5500, 5502) }

// TestDrillPulseServerRestart is TestDrillSoundServerRestart for --audio pulse: the server
// killed -9 mid-call, RTP goes on, "sound device lost"; the server back, the device reconnects
// by itself, "sound device back", and baresip's 1 kHz plays into the new server's speaker.
func TestDrillPulseServerRestart(t *testing.T) { soundServerRestart(t, "pulse", 5504, 5506) }
