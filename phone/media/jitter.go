package media

import (
	"math"
	"time"
)

// frameKind says what pop produced.
type frameKind int

const (
	frameAudio     frameKind = iota // received audio
	frameConcealed                  // the last frame repeated with a fade (loss or underrun)
	frameSilence                    // nothing to play
)

func (k frameKind) String() string {
	switch k {
	case frameAudio:
		return "audio"
	case frameConcealed:
		return "concealed"
	case frameSilence:
		return "silence"
	}
	return "frameKind(?)"
}

const (
	jbSlots         = 64       // packets held at most
	jbMinDelay      = 0        // no slack beyond the frame being played while the network allows
	jbCalmFrames    = 250      // 5 s without an underrun or a late packet lowers the floor a frame
	jbMaxDelay      = 1600     // 200 ms
	jbAdaptFrames   = 25       // adapt the delay at most every 0.5 s
	jbResyncSamples = 2 * 8000 // a timestamp 2 s off the playout point is a jump: start over
	plcFrames       = 5        // 100 ms of fading repeats, then silence
	jbShrinkWait    = 50       // wait up to 1 s for a quiet frame to drop
	jbQuietDBFS     = -40.0    // a frame this quiet can be dropped unheard
)

type jbPacket struct {
	seq uint16
	ts  uint32
	n   int
	// pcm grows to the largest packet this slot has held (160 samples for 20 ms): a full
	// 120 ms array per slot would cost 120 KB per call; this is allocated once, not per packet.
	pcm []int16
}

// jbCounters are the jitter buffer's event counts.
type jbCounters struct {
	SSRCChanges, Reordered, Duplicates, LateDropped, Concealed, Lost, Jumps, Grown, Shrunk uint64
}

// jitterBuffer is an adaptive playout buffer of decoded packets, ordered by RTP timestamp. push
// takes the arrival time from the caller (so tests inject a clock); pop is called once per 20 ms
// tick and always fills a frame. Not safe for concurrent use (Session.mu guards it).
type jitterBuffer struct {
	minDelay, maxDelay int // bounds of target, in samples

	pool  [jbSlots]jbPacket
	free  [jbSlots]int
	nfree int
	q     [jbSlots]int // pool indices sorted by timestamp
	nq    int

	haveSSRC bool
	ssrc     uint32
	recent   [64]uint16 // recently accepted sequence numbers, for duplicates
	nrecent  int
	haveHigh bool
	highSeq  uint16

	tsOffset    uint32 // added to incoming timestamps (see rebase)
	epoch       time.Time
	haveTransit bool
	lastArrival float64 // samples since epoch
	lastTS      uint32
	jitter      float64 // RFC 3550 A.8 interarrival jitter, in samples
	target      int     // wanted slack beyond the frame being played, in samples
	floor       int     // slack learnt from underruns and late packets (see bump), in samples
	calm        int     // frames played since the last bump

	playing    bool
	havePlayed bool
	playTS     uint32 // timestamp of the next sample to play
	stretch    bool   // play one concealed frame without advancing (grow)
	shrinkDue  bool   // skip a frame, preferably a quiet one (shrink)
	shrinkWait int    // frames waited for a quiet one
	growWait   int    // frames waited for a pause to grow in
	pops       int
	windowMin  int

	last       []int16 // the last frame played, for concealment; one frame at this rate
	haveLast   bool
	concealRun int

	c jbCounters

	rate, frame, resync int // sample rate, samples per 20 ms frame, jump threshold (set by newJitterBufferAt)
}

func newJitterBuffer() *jitterBuffer { return newJitterBufferAt(8000) }

// newJitterBufferAt is a jitter buffer for PCM at rate Hz (a multiple of 8000): its delays scale.
func newJitterBufferAt(rate int) *jitterBuffer {
	k := rate / 8000
	j := &jitterBuffer{minDelay: k * jbMinDelay, maxDelay: k * jbMaxDelay, target: k * jbMinDelay,
		rate: rate, frame: k * frameSamples, resync: k * jbResyncSamples}
	for i := range j.free {
		j.free[i] = i
	}
	j.nfree = jbSlots
	j.windowMin = math.MaxInt
	return j
}

// push adds one decoded packet that arrived at now.
func (j *jitterBuffer) push(now time.Time, ssrc uint32, seq uint16, ts uint32, pcm []int16) {
	if len(pcm) == 0 {
		return
	}
	pcm = pcm[:min(len(pcm), maxPacketSamples)]
	if j.haveSSRC && ssrc != j.ssrc {
		j.c.SSRCChanges++
		j.rebase(ts)
	}
	j.haveSSRC, j.ssrc = true, ssrc
	if j.seen(seq) {
		j.c.Duplicates++
		return
	}
	ts += j.tsOffset
	if ref, ok := j.refTS(); ok {
		if d := int32(ts - ref); d > int32(j.resync) || d < -int32(j.resync) {
			j.c.Jumps++
			ts -= j.tsOffset
			j.rebase(ts)
			ts += j.tsOffset
		}
	}
	j.remember(seq)
	if j.haveHigh && int16(seq-j.highSeq) < 0 {
		j.c.Reordered++
	} else {
		j.haveHigh, j.highSeq = true, seq
	}
	j.updateJitter(now, ts)
	if j.havePlayed && int32(ts+uint32(len(pcm))-j.playTS) <= 0 {
		j.c.LateDropped++
		if j.playing {
			j.bump()
		}
		return
	}
	j.insert(seq, ts, pcm)
}

// refTS is the timestamp new packets are expected near.
func (j *jitterBuffer) refTS() (uint32, bool) {
	if j.havePlayed {
		return j.playTS, true
	}
	if j.nq > 0 {
		return j.pool[j.q[j.nq-1]].ts, true
	}
	return 0, false
}

// rebase starts a new timeline (new SSRC or a timestamp jump): from now on ts maps to right after
// the audio already queued or played, so nothing queued is lost and play continues seamlessly.
func (j *jitterBuffer) rebase(ts uint32) {
	switch {
	case j.nq > 0:
		p := &j.pool[j.q[j.nq-1]]
		j.tsOffset = p.ts + uint32(p.n) - ts
	case j.havePlayed:
		j.tsOffset = j.playTS - ts
	}
	j.haveHigh, j.haveTransit = false, false
	j.nrecent = 0
}

func (j *jitterBuffer) seen(seq uint16) bool {
	for i := range min(j.nrecent, len(j.recent)) {
		if j.recent[i] == seq {
			return true
		}
	}
	return false
}

func (j *jitterBuffer) remember(seq uint16) {
	j.recent[j.nrecent%len(j.recent)] = seq
	j.nrecent++
	if j.nrecent >= 2*len(j.recent) {
		j.nrecent -= len(j.recent)
	}
}

func (j *jitterBuffer) updateJitter(now time.Time, ts uint32) {
	if j.epoch.IsZero() {
		j.epoch = now
	}
	arr := now.Sub(j.epoch).Seconds() * float64(j.rate)
	if j.haveTransit {
		d := math.Abs((arr - j.lastArrival) - float64(int32(ts-j.lastTS)))
		j.jitter += (d - j.jitter) / 16
	}
	j.haveTransit, j.lastArrival, j.lastTS = true, arr, ts
	j.retarget()
}

// retarget sets the wanted slack: four times the interarrival jitter, or the floor that
// underruns and late packets taught, whichever is more.
func (j *jitterBuffer) retarget() {
	j.target = min(max(int(4*j.jitter), j.floor, j.minDelay), j.maxDelay)
}

// bump raises the floor a frame: a packet came too late to be played (underrun or late drop),
// which the jitter estimate alone (an average) does not always foresee.
func (j *jitterBuffer) bump() {
	j.floor = min(j.floor+j.frame, j.maxDelay)
	j.calm = 0
	j.retarget()
}

// calmDown lowers the floor a frame after jbCalmFrames played without a bump: slowly, so that
// a network that stutters now and then does not make the buffer saw up and down.
func (j *jitterBuffer) calmDown() {
	j.calm++
	if j.calm < jbCalmFrames || j.floor == 0 {
		return
	}
	j.floor = max(j.floor-j.frame, 0)
	j.calm = 0
	j.retarget()
}

func (j *jitterBuffer) insert(seq uint16, ts uint32, pcm []int16) {
	if j.nfree == 0 {
		j.c.LateDropped++
		j.removeFirst()
	}
	j.nfree--
	idx := j.free[j.nfree]
	p := &j.pool[idx]
	if cap(p.pcm) < len(pcm) {
		p.pcm = make([]int16, len(pcm))
	}
	p.pcm = p.pcm[:cap(p.pcm)]
	p.seq, p.ts, p.n = seq, ts, copy(p.pcm, pcm)
	i := j.nq
	for i > 0 && int32(j.pool[j.q[i-1]].ts-ts) > 0 {
		i--
	}
	copy(j.q[i+1:j.nq+1], j.q[i:j.nq])
	j.q[i] = idx
	j.nq++
}

func (j *jitterBuffer) removeFirst() {
	j.free[j.nfree] = j.q[0]
	j.nfree++
	copy(j.q[:j.nq-1], j.q[1:j.nq])
	j.nq--
}

// dropBefore removes the packets that end at or before t.
func (j *jitterBuffer) dropBefore(t uint32) {
	for j.nq > 0 {
		p := &j.pool[j.q[0]]
		if int32(p.ts+uint32(p.n)-t) > 0 {
			return
		}
		j.removeFirst()
	}
}

// buffered is how much audio is held from the playout point on, in samples.
func (j *jitterBuffer) buffered() int {
	if j.nq == 0 {
		return 0
	}
	p := &j.pool[j.q[j.nq-1]]
	from := j.pool[j.q[0]].ts
	if j.playing {
		from = j.playTS
	}
	return max(int(int32(p.ts+uint32(p.n)-from)), 0)
}

// idle is called for every tick in which nothing is played (on hold): the next audio starts a
// fresh playout, wherever its timestamps are.
func (j *jitterBuffer) idle() {
	for j.nq > 0 {
		j.removeFirst()
	}
	j.playing, j.havePlayed, j.stretch, j.shrinkDue = false, false, false, false
	j.concealRun = plcFrames
}

// delayMs is the target buffering delay in milliseconds.
func (j *jitterBuffer) delayMs() float64 { return float64(j.target+j.frame) * 1000 / float64(j.rate) }

// pop fills out (frameSamples long) with the next frame to play.
func (j *jitterBuffer) pop(out []int16) frameKind {
	out = out[:j.frame]
	if !j.playing {
		if j.nq == 0 || j.buffered() < j.target+j.frame {
			return j.conceal(out)
		}
		j.playing, j.havePlayed = true, true
		j.playTS = j.pool[j.q[0]].ts
		j.pops, j.windowMin = 0, math.MaxInt
	}
	if j.stretch {
		if !j.haveLast || dbfs(j.last[:j.frame]) < jbQuietDBFS || j.growWait >= jbShrinkWait {
			// Insert a frame, preferably into a pause: repeat the last one, fading.
			j.stretch, j.growWait = false, 0
			j.c.Grown++
			return j.conceal(out)
		}
		j.growWait++
	}
	j.dropBefore(j.playTS)
	if j.nq == 0 {
		j.playing = false // underrun: wait for target slack again, a frame more of it
		j.stretch, j.shrinkDue = false, false
		j.bump()
		return j.conceal(out)
	}
	if first := j.pool[j.q[0]].ts; int32(first-j.playTS) > int32(j.maxDelay) {
		// Everything queued is far ahead (the sender skipped time): play it from here on rather
		// than concealing the gap frame by frame.
		j.c.Jumps++
		j.playTS = first
	}
	end := j.playTS + uint32(j.frame)
	var kind frameKind
	if int32(j.pool[j.q[0]].ts-end) >= 0 {
		j.c.Lost++
		kind = j.conceal(out)
	} else {
		j.copyFrame(out)
		kind = frameAudio
		if j.shrinkDue && j.covered(end) && (dbfs(out) < jbQuietDBFS || j.shrinkWait >= jbShrinkWait) {
			// Drop this frame (preferably a quiet one) and play the next instead.
			j.c.Shrunk++
			j.shrinkDue, j.shrinkWait = false, 0
			j.playTS = end
			end += uint32(j.frame)
			j.copyFrame(out)
		} else if j.shrinkDue {
			j.shrinkWait++
		}
	}
	j.playTS = end
	j.dropBefore(j.playTS)
	j.calmDown()
	j.adapt()
	return kind
}

// copyFrame copies the samples of [playTS, playTS+frameSamples) that the queued packets hold.
func (j *jitterBuffer) copyFrame(out []int16) {
	clear(out)
	for i := range j.nq {
		p := &j.pool[j.q[i]]
		off := int(int32(p.ts - j.playTS))
		if off >= j.frame {
			break
		}
		src, dst := max(-off, 0), max(off, 0)
		if src < p.n {
			copy(out[dst:], p.pcm[src:p.n])
		}
	}
	if len(j.last) < len(out) {
		j.last = make([]int16, len(out)) // once: frames do not grow
	}
	copy(j.last, out)
	j.haveLast, j.concealRun = true, 0
}

// covered reports whether a queued packet holds the sample at timestamp t.
func (j *jitterBuffer) covered(t uint32) bool {
	for i := range j.nq {
		p := &j.pool[j.q[i]]
		if int32(p.ts-t) > 0 {
			return false
		}
		if int32(p.ts+uint32(p.n)-t) > 0 {
			return true
		}
	}
	return false
}

// adapt tracks the smallest slack over a window and then shrinks (skips a frame, preferably a
// quiet one, within jbShrinkWait frames) when there was always more than a frame too much, or
// grows (plays one extra frame) when there was too little.
func (j *jitterBuffer) adapt() {
	j.windowMin = min(j.windowMin, j.buffered())
	j.pops++
	if j.pops < jbAdaptFrames {
		return
	}
	switch {
	case j.windowMin >= j.target+2*j.frame:
		j.shrinkDue = true
	case j.windowMin+j.frame <= j.target:
		j.stretch = true
	}
	j.pops, j.windowMin = 0, math.MaxInt
}

// conceal repeats the last good frame with a fade over plcFrames frames, then gives silence.
func (j *jitterBuffer) conceal(out []int16) frameKind {
	if !j.haveLast || j.concealRun >= plcFrames {
		clear(out)
		return frameSilence
	}
	g0 := 1 - float64(j.concealRun)/plcFrames
	g1 := 1 - float64(j.concealRun+1)/plcFrames
	for i := range out {
		g := g0 + (g1-g0)*float64(i)/float64(j.frame)
		if i < len(j.last) {
			out[i] = int16(float64(j.last[i]) * g)
		} else {
			out[i] = 0
		}
	}
	j.concealRun++
	j.c.Concealed++
	return frameConcealed
}

// skip moves the playout point on by one frame without playing it: the device lost that
// much time (play.go's catch-up), so what was due then is dropped rather than delayed.
func (j *jitterBuffer) skip() {
	if !j.playing {
		return
	}
	j.playTS += uint32(j.frame)
	j.dropBefore(j.playTS)
	j.c.Shrunk++
}
