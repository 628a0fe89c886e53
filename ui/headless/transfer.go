package headless

import "github.com/sipterm/sipterm/phone"

// transferJSON is the `transfer` event (docs/protocol.md).
func transferJSON(e phone.EventTransfer) map[string]any {
	m := map[string]any{"event": "transfer", "id": e.ID, "direction": e.Direction, "state": e.State, "target": e.Target}
	if e.Code != 0 {
		m["code"] = e.Code
	}
	if e.NewID != "" {
		m["new_id"] = e.NewID
	}
	if e.Attended {
		m["attended"] = true
	}
	if e.Reason != "" {
		m["reason"] = e.Reason
	}
	return m
}
