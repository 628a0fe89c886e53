package audio

import "time"

// backend is the sound system under a device (PortAudioDevice's streams, delivery, mixing,
// idle release, watchdog and ladder are the same whichever library reaches the sound card):
// it opens the capture and playback streams, whose callbacks are the device's captureCB and
// playCB, and closes them. Only the device goroutine calls it (and Open/Close before and
// after the goroutine runs).
type backend interface {
	// open opens and starts capture (inCh channels) and playback (outCh) at rate, asking for
	// buffers of about latency each way. It returns the delay each way the sound system
	// reports. The device's callback state has been reset.
	open(rate, inCh, outCh int, latency time.Duration) (Latency, error)
	// close stops and closes the streams, if open.
	close() error
	// isOpen reports whether the streams are open.
	isOpen() bool
	// lost is why the open streams stopped, as soon as the sound system says so; nil while
	// they run (or when it never says: the watchdog finds a stall).
	lost() error
	// fits reports whether the device takes inCh capture and outCh playback channels.
	fits(inCh, outCh int) bool
	// release is the device's final close: what open needs no more (PortAudio itself).
	release() error
}
