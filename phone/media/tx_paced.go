package media

import (
	"time"

	"github.com/sipterm/sipterm/audio"
)

// startSender runs the send side: on the shared clock when the stream has none of its own, else
// on its own goroutine paced by the device. Called from Start with s.mu held.
func (s *Session) startSender(st audio.Stream) {
	pl, ok := st.(audio.Puller)
	if !ok {
		go s.sendLoop(st)
		return
	}
	tx := newSender(s.rate)
	m := &pacedSender{done: s.wg.Done}
	m.step = func(late, resync bool) bool { return s.pacedTick(tx, &pl, late, resync) }
	s.paced = m
	sharedPacer.add(m)
}

// pacedTick is one tick of the shared clock for this session: pull one frame and send it. It
// returns false when the session is closing.
func (s *Session) pacedTick(tx *sender, st *audio.Puller, late, resync bool) bool {
	for {
		err := (*st).Pull(tx.mic[:s.frameLen()], late, resync)
		if err == nil {
			break
		}
		next := s.replaceStream(*st, err)
		if next == nil {
			return false
		}
		*st = next.(audio.Puller) // a clockStream
	}
	s.tick(tx, *st, time.Now())
	return true
}
