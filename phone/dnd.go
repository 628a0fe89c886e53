package phone

// ReasonDND is what a refused call's terminated event says while do-not-disturb is on.
const ReasonDND = "do not disturb"

// EventDND: do-not-disturb was turned on or off.
type EventDND struct{ On bool }

func (EventDND) isEvent() {}

// SetDND turns do-not-disturb on or off: while on, incoming calls that pass screening get
// dnd_code (default 486) instead of ringing.
func (p *Phone) SetDND(on bool) error {
	if p.dnd.Swap(on) != on {
		p.log.Info("do not disturb", "on", on)
	}
	p.publish(EventDND{On: on}) // also when unchanged: the front end confirms the state
	return nil
}

// DND reports whether do-not-disturb is on.
func (p *Phone) DND() bool { return p.dnd.Load() }

// dndRefusal is dnd_code (486 by default) while do-not-disturb is on.
func (p *Phone) dndRefusal() refusal {
	if !p.dnd.Load() {
		return refusal{}
	}
	code := p.cfg.DNDCode
	if code == 0 {
		code = 486
	}
	return refusal{code: code, reason: reasonPhrase(code), why: ReasonDND}
}
