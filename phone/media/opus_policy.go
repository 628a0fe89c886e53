package media

import (
	"fmt"

	"gopkg.in/hraban/opus.v2"
)

// opusSettings is one configuration of the Opus encoder.
type opusSettings struct {
	app        opus.Application // AppRestrictedLowdelay: CELT only; AppVoIP: libopus picks the mode
	bitrate    int              // bits/s; 0: libopus's automatic rate
	fec        bool             // in-band FEC (SILK's LBRR): costs nothing while lossPerc is 0
	lossPerc   int              // the loss libopus plans for: FEC strength, CELT's inter-frame prediction
	complexity int
	maxBW      opus.Bandwidth // 0: full band
}

// The policy's rates. Per 20 ms frame a CELT-only encoder runs a fifth of the instructions of
// SILK or hybrid with FEC (.ci/bench/opus-instr.sh; BenchmarkOpusPolicy in CPU time), and its
// decoder two thirds; CELT carries music and noise as well as voice, and in the restricted
// low-delay application adds 2.5 ms of look-ahead instead of 6.5 ms; it needs more bits than
// SILK for the same speech quality, which on a clean network is the cheaper resource.
const (
	celtRate           = 64000 // full-band (or super-wideband) CELT: near-transparent speech
	celtWidebandRate   = 48000 // a peer that plays at most 16 kHz
	celtMinRate        = 32000 // below it CELT speech sounds worse than SILK: let libopus choose
	narrowbandRate     = 24000 // a peer that plays at most 12 kHz gets SILK at this rate
	opusLossPercent    = 10    // with an explicit opus_bitrate: the loss FEC is planned for
	maxOpusLossPercent = 30    // beyond this libopus's FEC and prediction choices no longer change
)

// celtComplexity is the CELT encoder's complexity when the config names none: 5 adds the pitch
// pre-filter, which costs 60 % more instructions per frame (0.57 M against 0.36 M at 64 kbit/s,
// callgrind) for 3 dB of waveform SNR on voice at a rate where CELT is already near-transparent
// for speech (4 at 64 kbit/s measures like 5 at 48 kbit/s). SILK/hybrid keeps
// DefaultOpusComplexity: its quality depends on it more.
const celtComplexity = 4

// opusPolicy picks the encoder settings for the peer's fmtp, our config and the loss the peer
// reports. By default: CELT-only while the network is clean (cheap, low delay, full band);
// SILK/hybrid with in-band FEC sized to the reported loss once the peer loses packets and said
// useinbandfec=1 (without it, CELT stays and only plans for the loss). An explicit opus_bitrate
// keeps libopus's own mode choice at that rate, with FEC whenever the peer wants it.
// maxaveragebitrate caps every rate; maxplaybackrate caps the band.
func opusPolicy(p OpusParams, loss lossState) opusSettings {
	s := opusSettings{complexity: p.libopusComplexity()}
	bw, narrowed := opusBandwidth(p.MaxPlaybackRate)
	if narrowed {
		s.maxBW = bw
	}
	if p.Bitrate > 0 {
		s.app, s.bitrate, s.fec = opus.AppVoIP, capRate(p.Bitrate, p.MaxAverageBitrate), p.FEC
		if p.FEC {
			s.lossPerc = max(opusLossPercent, loss.percent)
		}
		return s
	}
	rate := celtRate
	switch {
	case narrowed && bw < opus.Wideband:
		rate = narrowbandRate
	case narrowed && bw == opus.Wideband:
		rate = celtWidebandRate
	}
	rate = capRate(rate, p.MaxAverageBitrate)
	if rate >= celtMinRate && !(narrowed && bw < opus.Wideband) && !(loss.lossy && p.FEC) {
		s.app, s.bitrate, s.lossPerc = opus.AppRestrictedLowdelay, rate, loss.percent
		if p.Complexity == 0 {
			s.complexity = celtComplexity
		}
		return s
	}
	s.app, s.fec = opus.AppVoIP, p.FEC
	if narrowed && bw < opus.Wideband || p.MaxAverageBitrate > 0 {
		s.bitrate = rate
	}
	if loss.lossy {
		s.lossPerc = loss.percent
	}
	return s
}

// capRate is rate limited to the peer's maxaveragebitrate (0: none).
func capRate(rate, limit int) int {
	if limit > 0 && (rate == 0 || rate > limit) {
		return limit
	}
	return rate
}

// celt reports whether s runs CELT only.
func (s opusSettings) celt() bool { return s.app == opus.AppRestrictedLowdelay }

// String says what s sends, for notices: "CELT 64 kbit/s" or "SILK/hybrid with in-band FEC for
// 5 % loss".
func (s opusSettings) String() string {
	mode := "SILK/hybrid"
	if s.celt() {
		mode = "CELT"
	}
	if s.bitrate > 0 {
		mode += fmt.Sprintf(" %d kbit/s", s.bitrate/1000)
	}
	if s.fec && s.lossPerc > 0 {
		mode += fmt.Sprintf(" with in-band FEC for %d %% loss", s.lossPerc)
	}
	return mode
}

// lossState is what the peer's reports say about the loss of our stream.
type lossState struct {
	percent int  // the loss to plan for, 0-maxOpusLossPercent
	lossy   bool // the peer loses enough packets for FEC to be worth its cost
}

// Hysteresis of lossTracker: one report (every ~5 s) at or above lossyFraction turns FEC on;
// cleanReports reports in a row under it turn it off again, so a single burst does not make
// the encoder flap.
const (
	lossyFraction = 3 // of 256: 1.2 %, about one packet in 85
	cleanReports  = 3
)

// lossTracker follows the fraction lost of the peer's RTCP reports about our stream.
type lossTracker struct {
	state lossState
	clean int // reports under lossyFraction since the last lossy one
}

// report takes one report's fraction lost (RFC 3550: 8-bit fixed point) and returns the state.
func (t *lossTracker) report(fraction uint8) lossState {
	pct := min((int(fraction)*100+255)/256, maxOpusLossPercent) // rounded up: 1/256 is 1 %
	if t.state.lossy {
		pct = max(pct, t.state.percent/2) // while lossy, the plan decays rather than drops
	}
	t.state.percent = pct
	switch {
	case fraction >= lossyFraction:
		t.state.lossy, t.clean = true, 0
	case t.state.lossy:
		t.clean++
		if t.clean >= cleanReports {
			t.state.lossy, t.clean = false, 0
			t.state.percent = min((int(fraction)*100+255)/256, maxOpusLossPercent)
		}
	}
	return t.state
}
