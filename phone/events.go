package phone

import (
	"sync"
	"time"
)

// CallState is the state of a call; the string values are also the headless event values.
type CallState string

const (
	StateIncoming    CallState = "incoming"
	StateCalling     CallState = "calling"
	StateRinging     CallState = "ringing"
	StateEarly       CallState = "early"
	StateEstablished CallState = "established"
	StateHeld        CallState = "held"
	StateTerminated  CallState = "terminated"
)

// Live reports whether a call in this state has not ended yet.
func (s CallState) Live() bool { return s != StateTerminated }

// Direction says who placed a call.
type Direction string

const (
	DirIn  Direction = "in"
	DirOut Direction = "out"
)

// RegState is the registration state of an account.
type RegState string

const (
	RegNone         RegState = "none" // direct-IP account: nothing to register
	RegRegistering  RegState = "registering"
	RegRegistered   RegState = "registered"
	RegUnregistered RegState = "unregistered"
	RegFailed       RegState = "failed"
)

// CallInfo is an immutable snapshot of a call. Front ends never see a *Call.
type CallInfo struct {
	ID          string
	Account     string
	Direction   Direction
	Remote      string // the peer's URI
	Local       string // our URI in this call
	State       CallState
	Code        int    // last final (or, while ringing, provisional) SIP status; set when terminated
	Reason      string // why the call ended, or what the last response said
	Codec       string // negotiated audio codec, "" before media
	MediaLocal  string
	MediaRemote string
	Muted       bool
	Held        bool // we put the call on hold
	RemoteHeld  bool // the peer put the call on hold
	Created     time.Time
	Answered    time.Time
	Ended       time.Time
	Stats       MediaStats
}

// Duration is how long the call has been (or was) established.
func (c CallInfo) Duration(now time.Time) time.Duration {
	if c.Answered.IsZero() {
		return 0
	}
	if !c.Ended.IsZero() {
		now = c.Ended
	}
	return now.Sub(c.Answered)
}

// MediaStats are the RTP/RTCP figures of a call (zero until media flows).
type MediaStats struct {
	PacketsSent       uint64
	PacketsReceived   uint64
	PacketsLost       int64
	LossPercent       float64 // what we lost of the peer's stream
	RemoteLossPercent float64 // what the peer reports losing of ours (RTCP)
	JitterMs          float64 // interarrival jitter of the peer's stream
	RTTMs             float64 // round-trip time from RTCP, 0 if unknown
	JitterBufferMs    float64 // current jitter buffer depth
	MicDBFS           float64 // level of what we send
	SpeakerDBFS       float64 // level of what we play
	MOS               float64 // estimated quality 1..4.5, 0 if unknown
}

// AccountInfo is an immutable snapshot of an account.
type AccountInfo struct {
	Name      string
	AOR       string
	Registrar string
	State     RegState
	Code      int
	Reason    string
	Expires   time.Time // when the current registration runs out (zero if not registered)
	LastError string
}

// Event is one of the typed events below; the set is closed.
type Event interface{ isEvent() }

// EventReady: the SIP listeners are up.
type EventReady struct{ Listen []string }

// EventCall: a call was created or changed state.
type EventCall struct{ Call CallInfo }

// EventRegistration: an account's registration changed.
type EventRegistration struct{ Account AccountInfo }

// EventMedia: media started (or changed) for a call.
type EventMedia struct {
	ID, Codec, Local, Remote string
	Direction                string
}

// EventMediaStop: media stopped for a call.
type EventMediaStop struct{ ID string }

// EventDTMF: a DTMF digit was received in a call.
type EventDTMF struct {
	ID     string
	Digit  string
	Source string // "rtp" (RFC 4733) or "info"
}

// EventStats: fresh RTP/RTCP figures of a call (about every 5 s).
type EventStats struct {
	ID    string
	Stats MediaStats
}

// EventSIP: one SIP message sent or received, for the trace/ladder views.
// CallID is our call id ("c1") when the message belongs to a known call, else "".
type EventSIP struct {
	Time    time.Time
	CallID  string
	Out     bool   // true: we sent it
	Local   string // transport:address
	Remote  string
	Summary string // request line or status line
	Raw     string // whole message, passwords masked
}

// EventNotice: something a person should see (audio fallback, port fallback, ...).
type EventNotice struct {
	Level   string // "info", "warn", "error"
	Message string
}

func (EventReady) isEvent()        {}
func (EventCall) isEvent()         {}
func (EventRegistration) isEvent() {}
func (EventMedia) isEvent()        {}
func (EventMediaStop) isEvent()    {}
func (EventDTMF) isEvent()         {}
func (EventStats) isEvent()        {}
func (EventSIP) isEvent()          {}
func (EventNotice) isEvent()       {}

// Subscription receives the core's events in order. The publisher never blocks: each subscription
// keeps an unbounded queue, so a slow reader loses nothing and slows nobody.
type Subscription struct {
	ch     chan Event
	mu     sync.Mutex
	queue  []Event
	wake   chan struct{}
	done   chan struct{}
	closed bool
	ending bool // the phone is shutting down: deliver what is queued, then close C
	hub    *hub
}

// C delivers the events. It is closed after Close.
func (s *Subscription) C() <-chan Event { return s.ch }

// Close stops the subscription; pending events are dropped.
func (s *Subscription) Close() {
	s.hub.remove(s)
	s.mu.Lock()
	if !s.closed {
		s.closed = true
		close(s.done)
	}
	s.mu.Unlock()
}

func (s *Subscription) push(e Event) {
	s.mu.Lock()
	if s.closed {
		s.mu.Unlock()
		return
	}
	s.queue = append(s.queue, e)
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// pump moves queued events to the channel, one goroutine per subscription.
func (s *Subscription) pump() {
	defer close(s.ch)
	for {
		s.mu.Lock()
		batch := s.queue
		s.queue = nil
		s.mu.Unlock()
		for _, e := range batch {
			select {
			case s.ch <- e:
			case <-s.done:
				return
			}
		}
		s.mu.Lock()
		finished := s.ending && len(s.queue) == 0
		s.mu.Unlock()
		if finished {
			return
		}
		select {
		case <-s.wake:
		case <-s.done:
			return
		}
	}
}

// end delivers what is queued and then closes C.
func (s *Subscription) end() {
	s.hub.remove(s)
	s.mu.Lock()
	s.ending = true
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// hub fans events out to subscriptions.
type hub struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

func newHub() *hub { return &hub{subs: map[*Subscription]struct{}{}} }

func (h *hub) subscribe() *Subscription {
	s := &Subscription{ch: make(chan Event, 64), wake: make(chan struct{}, 1), done: make(chan struct{}), hub: h}
	h.mu.Lock()
	h.subs[s] = struct{}{}
	h.mu.Unlock()
	go s.pump()
	return s
}

func (h *hub) remove(s *Subscription) {
	h.mu.Lock()
	delete(h.subs, s)
	h.mu.Unlock()
}

func (h *hub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for s := range h.subs {
		s.push(e)
	}
}

// closeAll ends every subscription once its queue is delivered (the phone is shutting down).
func (h *hub) closeAll() {
	h.mu.Lock()
	subs := make([]*Subscription, 0, len(h.subs))
	for s := range h.subs {
		subs = append(subs, s)
	}
	h.mu.Unlock()
	for _, s := range subs {
		s.end()
	}
}
