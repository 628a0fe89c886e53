package audio

import "sync"

// frameRing is a bounded queue of frames between the device goroutine and one stream. When it
// is full a push overwrites the oldest frame, so a stream nobody reads (or writes too fast)
// costs a fixed amount of memory and adds a bounded delay. The lock is held only for a
// 320-byte copy; nothing allocates after newFrameRing.
type frameRing struct {
	mu      sync.Mutex
	frames  [][FrameSamples]int16
	head, n int
}

func newFrameRing(capacity int) *frameRing {
	return &frameRing{frames: make([][FrameSamples]int16, capacity)}
}

// push appends f (FrameSamples long) and reports whether the oldest frame was dropped for it.
func (r *frameRing) push(f []int16) (dropped bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == len(r.frames) {
		r.head = (r.head + 1) % len(r.frames)
		r.n--
		dropped = true
	}
	copy(r.frames[(r.head+r.n)%len(r.frames)][:], f)
	r.n++
	return dropped
}

// pop moves the oldest frame into f; false when the ring is empty.
func (r *frameRing) pop(f []int16) bool {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == 0 {
		return false
	}
	copy(f, r.frames[r.head][:])
	r.head = (r.head + 1) % len(r.frames)
	r.n--
	return true
}

// len is the number of queued frames.
func (r *frameRing) len() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.n
}

// drop discards the oldest frame, if any.
func (r *frameRing) drop() {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n > 0 {
		r.head = (r.head + 1) % len(r.frames)
		r.n--
	}
}
