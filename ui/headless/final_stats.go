package headless

import "github.com/sipterm/sipterm/phone"

// withFinalStats adds the call's last media figures to its terminated event: stats events come
// about every 5 s, so a short call would otherwise end without any (the loss campaign reads
// these).
func withFinalStats(m map[string]any, c phone.CallInfo) map[string]any {
	if c.State != phone.StateTerminated || c.Stats.PacketsSent+c.Stats.PacketsReceived == 0 {
		return m
	}
	st := statsJSON(c.ID, c.Stats)
	delete(st, "event")
	delete(st, "id")
	m["stats"] = st
	return m
}
