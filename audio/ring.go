package audio

import "sync"

// frameRing is a bounded queue of frames between the device goroutine and one stream. When it
// is full a push overwrites the oldest frame, so a stream nobody reads (or writes too fast)
// costs a fixed amount of memory and adds a bounded delay. The lock is held only for one
// frame's copy; nothing allocates after newFrameRing.
type frameRing struct {
	mu      sync.Mutex
	frames  [][]int16
	head, n int
}

// newFrameRing holds capacity frames of size samples each (the stream's 20 ms at its rate).
func newFrameRing(capacity, size int) *frameRing {
	r := &frameRing{frames: make([][]int16, capacity)}
	for i := range r.frames {
		r.frames[i] = make([]int16, size)
	}
	return r
}

// push appends f (one frame) and reports whether the oldest frame was dropped for it.
func (r *frameRing) push(f []int16) (dropped bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	if r.n == len(r.frames) {
		r.head = (r.head + 1) % len(r.frames)
		r.n--
		dropped = true
	}
	copy(r.frames[(r.head+r.n)%len(r.frames)], f)
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
	copy(f, r.frames[r.head])
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
