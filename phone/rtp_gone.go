package phone

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// goneByeWait is how long a BYE to a peer whose RTP stopped may go unanswered: it has most
// likely vanished (killed, unplugged, out of coverage), and the person should see the call
// end soon after the "no RTP" notice, not a full transaction timeout later. UDP retransmits
// at 0.5, 1 and 2 s within it.
const goneByeWait = 4 * time.Second

// rtpTimedOut ends an established call that has received no RTP for rtp_timeout.
func (c *Call) rtpTimedOut() {
	c.hangupWithin(0, "RTP timeout", goneByeWait)
}

// byeFailure says why a BYE failed, in words: a timeout is "no answer in 4s".
func byeFailure(err error, wait time.Duration) string {
	if errors.Is(err, context.DeadlineExceeded) {
		return fmt.Sprintf("no answer in %v", wait)
	}
	return err.Error()
}
