package media

import (
	"time"

	"github.com/sipterm/sipterm/audio"
)

// DefaultEchoDelay is how long the echo endpoint holds audio before sending it back.
const DefaultEchoDelay = 200 * time.Millisecond

// NewEchoSession makes the in-phone echo endpoint for the built-in echo test. It is an ordinary
// Session (own sockets, jitter buffer, RTCP, DTMF detection) whose "device" is a delay line paced
// by its own deadline clock: every frame it plays is captured again delay later, so whatever RTP
// it receives comes back after delay plus its jitter buffer. cfg.Device is ignored.
//
// Wiring (loopback, no SIP involved for the echo side):
//
//	call, _ := media.NewSession(cfg)                       // the real call, with the sound device
//	echo, _ := media.NewEchoSession(media.Config{LocalIP: loopback}, media.DefaultEchoDelay)
//	echo.Start(media.Params{Remote: call's RTP address on 127.0.0.1, Codec: c, DTMFPT: 101})
//	call.Start(media.Params{Remote: echo.LocalAddr(), Codec: c, DTMFPT: 101})
//	... Close both when the echo call ends.
//
// If the call's LocalIP is unspecified (0.0.0.0), give the echo 127.0.0.1 and the call's port.
func NewEchoSession(cfg Config, delay time.Duration) (*Session, error) {
	cfg.Device = nil
	s, err := NewSession(cfg)
	if err != nil {
		return nil, err
	}
	frames := max(int(delay/audio.FrameDuration), 1)
	s.newStream = func(int) (audio.Stream, error) { return newClockStream(frames), nil }
	return s, nil
}
