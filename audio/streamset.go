package audio

import (
	"errors"
	"sync"
)

// closer is what a device needs of its streams to stop them when it closes.
type closer interface{ Close() error }

// streamSet is the open streams of a device, so Device.Close can stop them.
type streamSet struct {
	mu      sync.Mutex
	streams map[closer]struct{}
	closed  bool
}

// add registers s; it fails once the device is closed.
func (ss *streamSet) add(s closer) error {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	if ss.closed {
		return ErrClosed
	}
	if ss.streams == nil {
		ss.streams = make(map[closer]struct{})
	}
	ss.streams[s] = struct{}{}
	return nil
}

func (ss *streamSet) remove(s closer) {
	ss.mu.Lock()
	delete(ss.streams, s)
	ss.mu.Unlock()
}

func (ss *streamSet) len() int {
	ss.mu.Lock()
	defer ss.mu.Unlock()
	return len(ss.streams)
}

// closeAll marks the set closed and closes every stream outside the lock (a stream's Close
// calls remove).
func (ss *streamSet) closeAll() error {
	ss.mu.Lock()
	ss.closed = true
	list := make([]closer, 0, len(ss.streams))
	for s := range ss.streams {
		list = append(list, s)
	}
	ss.mu.Unlock()
	var errs []error
	for _, s := range list {
		errs = append(errs, s.Close())
	}
	return errors.Join(errs...)
}
