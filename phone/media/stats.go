package media

import "math"

// MinDBFS is the level reported for digital silence.
const MinDBFS = -96.0

// Stats is a snapshot of a session's media quality.
type Stats struct {
	PacketsSent, PacketsReceived uint64
	PacketsLost                  int64   // RFC 3550 cumulative loss of the peer's stream
	LossPercent                  float64 // of the peer's stream, cumulative
	RemoteLossPercent            float64 // the peer's report about our stream (last interval)
	JitterMs                     float64 // RFC 3550 interarrival jitter of the peer's stream
	RTTMs                        float64 // from the peer's RTCP LSR/DLSR; 0 until known
	JitterBufferMs               float64 // playout delay the jitter buffer aims at
	MicDBFS, SpeakerDBFS         float64 // level of the last frame sent / played
	MOS                          float64 // E-model estimate, 1..4.5
	// The peer's view of our stream from its receiver reports: jitter and an E-model estimate
	// (loss as reported, a jitter buffer of twice its jitter, the RTT); 0 until a report came.
	RemoteJitterMs, RemoteMOS float64
	Codec                     string
	Local, Remote             string
	SSRCChanges               uint64
	Reordered                 uint64
	Duplicates                uint64
	LateDropped               uint64
	ConcealedFrames           uint64
	SRTPSuite                 string // "" for plain RTP
	AuthFailures              uint64 // SRTP/SRTCP packets dropped for a bad auth tag
}

// Stats returns a snapshot; safe from any goroutine.
func (s *Session) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.statsLocked()
}

func (s *Session) statsLocked() Stats {
	q := &s.rx.seq
	c := s.rx.jb.c
	st := Stats{
		PacketsSent:       s.tx.packets,
		PacketsReceived:   s.rx.packets,
		PacketsLost:       max(q.lost(), 0),
		RemoteLossPercent: s.quality.remoteLoss,
		JitterMs:          s.rx.jb.jitter * 1000 / float64(s.rate),
		RTTMs:             s.quality.rttMs,
		JitterBufferMs:    s.rx.jb.delayMs(),
		MicDBFS:           s.levels.mic,
		SpeakerDBFS:       s.levels.spk,
		Codec:             s.params.Codec.Name,
		Local:             s.local.String(),
		SSRCChanges:       c.SSRCChanges,
		Reordered:         c.Reordered,
		Duplicates:        c.Duplicates,
		LateDropped:       c.LateDropped,
		ConcealedFrames:   c.Concealed,
	}
	if s.crypto != nil {
		st.SRTPSuite = s.crypto.keys.Suite
	}
	st.AuthFailures = s.authFailures.Load()
	if exp := q.expected(); exp > 0 {
		st.LossPercent = 100 * float64(st.PacketsLost) / float64(exp)
	}
	if dst := s.sendTargetLocked(); dst.IsValid() {
		st.Remote = dst.String()
	} else if s.peer.latched.IsValid() {
		st.Remote = s.peer.latched.String()
	}
	if !s.started {
		st.MicDBFS, st.SpeakerDBFS = MinDBFS, MinDBFS
	}
	st.MOS = mos(st.LossPercent, st.JitterBufferMs, st.RTTMs)
	if s.quality.reports > 0 {
		st.RemoteJitterMs = s.quality.remoteJit
		st.RemoteMOS = mos(st.RemoteLossPercent, max(2*st.RemoteJitterMs, 20), st.RTTMs)
	}
	return st
}

// mos is a simplified ITU-T G.107 E-model for G.711 with packet loss concealment: delay from half
// the RTT, the jitter buffer and packetisation; loss as random loss with Bpl = 25.1.
func mos(lossPct, bufferMs, rttMs float64) float64 {
	d := rttMs/2 + bufferMs + 20
	id := 0.024 * d
	if d > 177.3 {
		id += 0.11 * (d - 177.3)
	}
	ie := 95 * lossPct / (lossPct + 25.1)
	r := 93.2 - id - ie
	switch {
	case r <= 0:
		return 1
	case r >= 100:
		return 4.5
	}
	m := 1 + 0.035*r + r*(r-60)*(100-r)*7e-6 // dips below 1 for small R
	return min(max(m, 1), 4.5)
}

// dbfs is the RMS level of a frame relative to full scale, floored at MinDBFS.
func dbfs(f []int16) float64 {
	if len(f) == 0 {
		return MinDBFS
	}
	var sum float64
	for _, v := range f {
		x := float64(v)
		sum += x * x
	}
	if sum == 0 {
		return MinDBFS
	}
	rms := math.Sqrt(sum/float64(len(f))) / 32768
	return max(20*math.Log10(rms), MinDBFS)
}
