package phone

import (
	"context"
	"fmt"
	"time"

	"github.com/emiago/sipgo/sip"
)

// infoDTMFDuration is the Duration= of a digit sent by SIP INFO, in milliseconds.
const infoDTMFDuration = 160

// dtmfByInfo says whether this call sends DTMF as SIP INFO: dtmf_mode "info", or "auto" when
// the peer did not agree to telephone-event.
func (c *Call) dtmfByInfo() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	switch c.acct.cfg.DTMFMode {
	case "info":
		return true
	case "rfc4733":
		return false
	}
	return c.neg.DTMFPT == 0
}

// infoDTMFBody is an application/dtmf-relay body for one digit.
func infoDTMFBody(digit rune) []byte {
	return []byte(fmt.Sprintf("Signal=%c\r\nDuration=%d\r\n", digit, infoDTMFDuration))
}

// sendInfoDTMF sends each digit as its own INFO (application/dtmf-relay), in order, each after
// the previous one's final response; a refusal stops the rest and is told to the user.
func (c *Call) sendInfoDTMF(digits string) {
	c.infoMu.Lock()
	defer c.infoMu.Unlock()
	for _, d := range digits {
		if c.ending() {
			return
		}
		target, ok := c.remoteTarget()
		if !ok {
			c.p.notice("warn", fmt.Sprintf("call %s: DTMF by INFO: no remote target", c.id))
			return
		}
		req := sip.NewRequest(sip.INFO, target)
		req.AppendHeader(sip.NewHeader("Content-Type", "application/dtmf-relay"))
		req.SetBody(infoDTMFBody(d))
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		res, err := c.dialogDo(ctx, req)
		cancel()
		switch {
		case err != nil:
			c.p.notice("warn", fmt.Sprintf("call %s: DTMF %c by INFO failed: %v", c.id, d, err))
			return
		case !res.IsSuccess():
			c.p.notice("warn", fmt.Sprintf("call %s: DTMF %c by INFO refused: %d %s", c.id, d, res.StatusCode, res.Reason))
			return
		}
		c.log.Info("dtmf sent", "digit", string(d), "via", "info")
	}
}
