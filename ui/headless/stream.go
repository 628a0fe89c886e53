package headless

import (
	"fmt"

	"github.com/sipterm/sipterm/phone"
)

// streamJSON is a `stream` event: the peer's RTP stream changed SSRC or started a talkspurt.
func streamJSON(e phone.EventStream) map[string]any {
	return map[string]any{"event": "stream", "id": e.ID, "what": e.What, "ssrc": fmt.Sprintf("%08x", e.SSRC), "talkspurts": e.Talkspurts}
}
