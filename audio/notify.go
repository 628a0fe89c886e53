package audio

import "sync/atomic"

// Notifier is implemented by devices that can lose their sound system while calls run (the
// sound server killed, a headset pulled) and get it back: the phone shows what they report.
type Notifier interface {
	// SetNotify sets the function told (level "warn" or "info", a sentence for a person) when
	// the device is lost and when it is back. It is called from the device goroutine and must
	// not block. nil stops the notices.
	SetNotify(func(level, msg string))
}

// notifier holds a device's notify function.
type notifier struct {
	fn atomic.Pointer[func(level, msg string)]
}

// SetNotify implements Notifier.
func (n *notifier) SetNotify(fn func(level, msg string)) {
	if fn == nil {
		n.fn.Store(nil)
		return
	}
	n.fn.Store(&fn)
}

func (n *notifier) notify(level, msg string) {
	if fn := n.fn.Load(); fn != nil {
		(*fn)(level, msg)
	}
}
