package phone

// traceCalls attaches traced SIP messages to our calls by Call-ID, on the tracer's goroutine.
//
// Two messages of a call are traced when the call is not in the phone's registry: an incoming
// call's own INVITE (sipgo traces it before our handler creates the call) and the last messages
// after the call ended (the 200 to its BYE, a late ACK). So the tracer remembers the Call-IDs it
// saw resolve (the ended calls), and holds the latest unresolved messages per Call-ID so that the
// first message that resolves publishes them again, in order, with the call's id.
type traceCalls struct {
	known    map[string]string // SIP Call-ID -> our call id, once seen
	knownOrd []string          // insertion order, to bound known
	pending  map[string][]EventSIP
	pendOrd  []string
}

const (
	traceKnownMax   = 128 // Call-IDs remembered after their call ended (their last messages come within seconds)
	tracePendingMax = 64  // unresolved Call-IDs held
	tracePendingPer = 16  // messages held per unresolved Call-ID
)

func newTraceCalls() *traceCalls {
	return &traceCalls{known: map[string]string{}, pending: map[string][]EventSIP{}}
}

// resolve returns the call id for a message's Call-ID: live is the phone's answer ("" if the
// call is not live). It returns the held messages to publish first, if this resolved them.
func (tc *traceCalls) resolve(sipCallID, live string, e EventSIP) (id string, held []EventSIP) {
	if sipCallID == "" {
		return "", nil
	}
	if live != "" {
		if tc.known[sipCallID] != live {
			tc.remember(sipCallID, live)
		}
		id = live
	} else {
		id = tc.known[sipCallID]
	}
	if id == "" {
		tc.hold(sipCallID, e)
		return "", nil
	}
	held = tc.pending[sipCallID]
	if held != nil {
		delete(tc.pending, sipCallID)
		for i := range held {
			held[i].CallID = id
			held[i].Late = true
		}
	}
	return id, held
}

func (tc *traceCalls) remember(sipCallID, id string) {
	if _, ok := tc.known[sipCallID]; !ok {
		tc.knownOrd = append(tc.knownOrd, sipCallID)
		if len(tc.knownOrd) > traceKnownMax {
			delete(tc.known, tc.knownOrd[0])
			tc.knownOrd = tc.knownOrd[1:]
		}
	}
	tc.known[sipCallID] = id
}

func (tc *traceCalls) hold(sipCallID string, e EventSIP) {
	l, ok := tc.pending[sipCallID]
	if !ok {
		tc.pendOrd = append(tc.pendOrd, sipCallID)
		for len(tc.pendOrd) > tracePendingMax {
			delete(tc.pending, tc.pendOrd[0])
			tc.pendOrd = tc.pendOrd[1:]
		}
	}
	if len(l) >= tracePendingPer {
		l = l[1:]
	}
	tc.pending[sipCallID] = append(l, e)
}
