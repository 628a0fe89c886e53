package media

import (
	"fmt"
	"runtime"
	"testing"

	"gopkg.in/hraban/opus.v2"
)

// The encoder policy: which mode, rate and FEC for the peer's fmtp, our config and the loss the
// peer reports.
func TestOpusPolicy(t *testing.T) {
	clean := lossState{}
	lossy := lossState{percent: 8, lossy: true}
	slight := lossState{percent: 1} // under the FEC threshold
	rld, voip := opus.AppRestrictedLowdelay, opus.AppVoIP
	tests := []struct {
		name string
		p    OpusParams
		loss lossState
		want opusSettings
	}{
		{"clean, FEC offered: CELT 64k", OpusParams{FEC: true}, clean,
			opusSettings{app: rld, bitrate: 64000, complexity: celtComplexity}},
		{"clean, no FEC: CELT 64k", OpusParams{}, clean,
			opusSettings{app: rld, bitrate: 64000, complexity: celtComplexity}},
		{"slight loss: CELT plans for it", OpusParams{FEC: true}, slight,
			opusSettings{app: rld, bitrate: 64000, lossPerc: 1, complexity: celtComplexity}},
		{"loss and useinbandfec=1: SILK/hybrid with FEC for the loss", OpusParams{FEC: true}, lossy,
			opusSettings{app: voip, fec: true, lossPerc: 8, complexity: DefaultOpusComplexity}},
		{"loss without useinbandfec: CELT, planning for the loss", OpusParams{}, lossy,
			opusSettings{app: rld, bitrate: 64000, lossPerc: 8, complexity: celtComplexity}},
		{"maxplaybackrate 16000: wideband CELT 48k", OpusParams{FEC: true, MaxPlaybackRate: 16000}, clean,
			opusSettings{app: rld, bitrate: 48000, complexity: celtComplexity, maxBW: opus.Wideband}},
		{"maxplaybackrate 24000: super-wideband CELT 64k", OpusParams{MaxPlaybackRate: 24000}, clean,
			opusSettings{app: rld, bitrate: 64000, complexity: celtComplexity, maxBW: opus.SuperWideband}},
		{"maxplaybackrate 8000: narrowband SILK 24k", OpusParams{FEC: true, MaxPlaybackRate: 8000}, clean,
			opusSettings{app: voip, bitrate: 24000, fec: true, complexity: DefaultOpusComplexity, maxBW: opus.Narrowband}},
		{"maxaveragebitrate 40000 caps CELT", OpusParams{MaxAverageBitrate: 40000}, clean,
			opusSettings{app: rld, bitrate: 40000, complexity: celtComplexity}},
		{"maxaveragebitrate 20000: too low for CELT, libopus picks at 20k", OpusParams{FEC: true, MaxAverageBitrate: 20000}, clean,
			opusSettings{app: voip, bitrate: 20000, fec: true, complexity: DefaultOpusComplexity}},
		{"maxaveragebitrate 20000 with loss", OpusParams{FEC: true, MaxAverageBitrate: 20000}, lossy,
			opusSettings{app: voip, bitrate: 20000, fec: true, lossPerc: 8, complexity: DefaultOpusComplexity}},
		{"maxaveragebitrate 12000 below narrowband's 24k", OpusParams{MaxPlaybackRate: 8000, MaxAverageBitrate: 12000}, clean,
			opusSettings{app: voip, bitrate: 12000, complexity: DefaultOpusComplexity, maxBW: opus.Narrowband}},
		{"explicit bitrate: libopus's choice, FEC at 10 %", OpusParams{FEC: true, Bitrate: 32000}, clean,
			opusSettings{app: voip, bitrate: 32000, fec: true, lossPerc: opusLossPercent, complexity: DefaultOpusComplexity}},
		{"explicit bitrate, more loss reported", OpusParams{FEC: true, Bitrate: 32000}, lossState{percent: 20, lossy: true},
			opusSettings{app: voip, bitrate: 32000, fec: true, lossPerc: 20, complexity: DefaultOpusComplexity}},
		{"explicit bitrate without FEC", OpusParams{Bitrate: 99000}, lossy,
			opusSettings{app: voip, bitrate: 99000, complexity: DefaultOpusComplexity}},
		{"explicit bitrate capped by maxaveragebitrate", OpusParams{Bitrate: 99000, MaxAverageBitrate: 50000}, clean,
			opusSettings{app: voip, bitrate: 50000, complexity: DefaultOpusComplexity}},
		{"explicit complexity kept", OpusParams{Complexity: OpusComplexity(0)}, clean,
			opusSettings{app: rld, bitrate: 64000, complexity: 0}},
		{"explicit complexity 5 kept in CELT", OpusParams{Complexity: 5}, clean,
			opusSettings{app: rld, bitrate: 64000, complexity: 5}},
		{"complexity 10 kept with FEC", OpusParams{FEC: true, Complexity: 10}, lossy,
			opusSettings{app: voip, fec: true, lossPerc: 8, complexity: 10}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := opusPolicy(tt.p, tt.loss); got != tt.want {
				type fields opusSettings // printed field by field, not by String
				t.Errorf("opusPolicy = %+v, want %+v", fields(got), fields(tt.want))
			}
		})
	}
}

// The loss tracker turns FEC on at the first report of audible loss and off only after
// cleanReports clean reports in a row.
func TestLossTracker(t *testing.T) {
	tests := []struct {
		name    string
		reports []uint8 // fraction lost, /256
		want    lossState
	}{
		{"no report", nil, lossState{}},
		{"clean", []uint8{0, 0}, lossState{}},
		{"one lost packet in a report: not lossy", []uint8{1}, lossState{percent: 1}},
		{"1.2 %: lossy", []uint8{3}, lossState{percent: 2, lossy: true}},
		{"10 %", []uint8{26}, lossState{percent: 11, lossy: true}},
		{"capped", []uint8{200}, lossState{percent: maxOpusLossPercent, lossy: true}},
		{"one clean report: still lossy, plan decays", []uint8{26, 0}, lossState{percent: 5, lossy: true}},
		{"two clean reports: still lossy", []uint8{26, 0, 0}, lossState{percent: 2, lossy: true}},
		{"three clean reports: clean again", []uint8{26, 0, 0, 0}, lossState{}},
		{"loss again resets the count", []uint8{26, 0, 0, 26, 0, 0}, lossState{percent: 2, lossy: true}},
		{"slight loss counts as clean", []uint8{26, 1, 2, 1}, lossState{percent: 1}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var lt lossTracker
			got := lt.state
			for _, f := range tt.reports {
				got = lt.report(f)
			}
			if got != tt.want {
				t.Errorf("after %v: %+v, want %+v", tt.reports, got, tt.want)
			}
		})
	}
}

// tocMode is the coding mode an Opus packet's TOC byte names (RFC 6716 §3.1).
func tocMode(pkt []byte) string {
	switch c := pkt[0] >> 3; {
	case c < 12:
		return "SILK"
	case c < 16:
		return "hybrid"
	}
	return "CELT"
}

// The coder follows the peer's reports: CELT while clean, SILK or hybrid carrying FEC once the
// peer loses packets (a lost packet is then recovered from the next one), CELT again after
// clean reports, and a notice at each switch.
func TestOpusCoderFollowsLoss(t *testing.T) {
	o, err := newOpusCoder(OpusParams{FEC: true})
	if err != nil {
		t.Fatal(err)
	}
	pcm := voiceLike(48000)
	var pkt [1500]byte
	modes := func() map[string]int {
		m := map[string]int{}
		for i := 0; i+960 <= len(pcm); i += 960 {
			n := o.encode(pkt[:], pcm[i:i+960])
			if n == 0 {
				t.Fatal("encode failed")
			}
			m[tocMode(pkt[:n])]++
		}
		return m
	}
	if m := modes(); m["CELT"] != 50 {
		t.Errorf("clean: modes %v, want only CELT", m)
	}
	if msg := o.peerLoss(26); msg == "" {
		t.Error("no notice for the switch to FEC")
	} else {
		t.Log(msg)
	}
	if m := modes(); m["CELT"] != 0 {
		t.Errorf("lossy: modes %v, want SILK or hybrid only", m)
	}
	if fec, err := o.enc.InBandFEC(); err != nil || !fec {
		t.Errorf("lossy: in-band FEC %v (%v), want on", fec, err)
	}
	if lp, err := o.enc.PacketLossPerc(); err != nil || lp != 11 {
		t.Errorf("lossy: packet loss %d %% (%v), want 11", lp, err)
	}
	for range cleanReports - 1 {
		if msg := o.peerLoss(0); msg != "" {
			t.Errorf("notice %q before %d clean reports", msg, cleanReports)
		}
	}
	if msg := o.peerLoss(0); msg == "" {
		t.Error("no notice for the switch back to CELT")
	}
	if m := modes(); m["CELT"] != 50 {
		t.Errorf("clean again: modes %v, want only CELT", m)
	}
}

// BenchmarkOpusPolicy: the encode and decode CPU of one 20 ms voice frame (cpu-ns/op: this
// thread's CPU time) in each of the policy's modes and in the old default (libopus's choice at
// its automatic rate, FEC planned for 10 % loss), per complexity, with the crude SNR of 2 s
// through encoder and decoder (snr-dB; the VoIP application's high-pass filter alone costs
// SILK and hybrid most of theirs) and the bitrate (kbit/s).
func BenchmarkOpusPolicy(b *testing.B) {
	pcm := voiceLike(2 * 48000)
	modes := []struct {
		name string
		p    OpusParams
		loss uint8
	}{
		{"celt-clean", OpusParams{FEC: true}, 0},
		{"fec-10pct-loss", OpusParams{FEC: true}, 26},
		{"old-default", OpusParams{FEC: true, Bitrate: 0}, 0},
	}
	for _, m := range modes {
		for _, c := range []int{0, 3, 5, 10} {
			b.Run(fmt.Sprintf("%s/complexity=%d", m.name, c), func(b *testing.B) {
				p := m.p
				p.Complexity = OpusComplexity(c)
				o, err := newOpusCoder(p)
				if err != nil {
					b.Fatal(err)
				}
				if m.name == "old-default" { // as before the policy: VoIP, automatic rate
					o.want = opusSettings{app: opus.AppVoIP, fec: true, lossPerc: opusLossPercent, complexity: o.cur.complexity}
					o.pending.Store(true)
				} else if m.loss > 0 {
					o.peerLoss(m.loss)
				}
				var pkt [1500]byte
				var frame [960]int16
				got := make([]int16, 0, len(pcm))
				bytes := 0
				for i := 0; i+960 <= len(pcm); i += 960 {
					n := o.encode(pkt[:], pcm[i:i+960])
					bytes += n
					got = append(got, frame[:o.decode(frame[:], pkt[:n])]...)
				}
				snr := snrDB(pcm, got)
				runtime.LockOSThread()
				defer runtime.UnlockOSThread()
				b.ReportAllocs()
				i, ops, enc, dec := 0, 0, int64(0), int64(0)
				for b.Loop() {
					c0 := threadCPU()
					n := o.encode(pkt[:], pcm[i:i+960])
					c1 := threadCPU()
					o.decode(frame[:], pkt[:n])
					enc, dec = enc+c1-c0, dec+threadCPU()-c1
					i = (i + 960) % (len(pcm) - 960)
					ops++
				}
				b.ReportMetric(float64(enc)/float64(ops), "enc-cpu-ns/op")
				b.ReportMetric(float64(dec)/float64(ops), "dec-cpu-ns/op")
				b.ReportMetric(snr, "snr-dB")
				b.ReportMetric(float64(bytes*8)/2/1000, "kbit/s")
			})
		}
	}
}
