package main

import "testing"

// TestPulseThroughPulse is TestPortAudioThroughPulse for the native PulseAudio device
// (--audio pulse): baresip's 1 kHz reaches the sink at the level sent, the 440 Hz fed into
// the source reaches baresip, nothing falls back to null audio.
func TestPulseThroughPulse(t *testing.T) { throughPulse(t, "pulse", 5500, 5502) }
