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
	Encryption  string // media encryption: "none" or "srtp" ("" before media)
	SRTPSuite   string // the SDES crypto suite when Encryption is "srtp"
	Muted       bool
	Held        bool // we put the call on hold
	RemoteHeld  bool // the peer put the call on hold
	Created     time.Time
	Answered    time.Time
	Ended       time.Time
	Stats       MediaStats

	Conference []string // the other calls of the local conference this call is in (lines.go)
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
	RemoteJitterMs    float64 // the peer's jitter of our stream (RTCP RR), 0 until reported
	RemoteMOS         float64 // estimated quality of our stream at the peer, 0 until reported
	AuthFailures      uint64  // SRTP/SRTCP packets dropped for a bad authentication tag
	ConcealedFrames   uint64  // frames the jitter buffer made up (loss, lateness, underrun)
	LateDropped       uint64  // packets that came after their playout time
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

	Transport   string // udp, tcp or tls
	Contact     string // the Contact we register
	TLSInsecure bool   // TLS server certificates are not checked (tls_insecure)
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
	Encryption               string // "none" or "srtp"
	SRTPSuite                string // the crypto suite when Encryption is "srtp"
	Ptime                    int    // ms of audio per packet we send (the peer's SDP ptime, else 20)
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
	// Late: published again with CallID once the call was known (an incoming call's INVITE is
	// traced before the call exists and was first published with CallID "").
	Late bool
}

// EventNotice: something a person should see (audio fallback, port fallback, ...).
type EventNotice struct {
	Level   string // "info", "warn", "error"
	Message string
}

// EventTransfer: progress of a transfer. Direction "out": we transfer call ID (REFER sent);
// "in": the peer of call ID transfers us (REFER received). State is trying, asked (refer_policy
// = ask: waiting for the user), accepted, succeeded or failed; Code the SIP status behind it.
type EventTransfer struct {
	ID        string
	Direction string
	State     string
	Code      int
	Target    string // the Refer-To URI
	NewID     string // in: our new call to the target
	Attended  bool   // the target replaces a call (Replaces)
	Reason    string
}

func (EventTransfer) isEvent() {}

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
// keeps its own queue, so a slow reader slows nobody. The queue is bounded: a slow reader loses no
// call, registration or media event, gets only the newest stats of each call, and at most
// maxQueuedSIP waiting SIP-message events (older ones are dropped with a notice that counts them).
type Subscription struct {
	ch   chan Event
	q    *eventQueue
	done chan struct{} // Close: stop at once, dropping what is queued
	once sync.Once
	hub  *hub
}

// C delivers the events. It is closed after Close.
func (s *Subscription) C() <-chan Event { return s.ch }

// DroppedSIP is how many SIP-message events this subscription dropped because its reader fell behind.
func (s *Subscription) DroppedSIP() uint64 { return s.q.droppedSIP() }

// Close stops the subscription; pending events are dropped.
func (s *Subscription) Close() {
	s.hub.remove(s)
	s.q.close()
	s.once.Do(func() { close(s.done) })
}

// end delivers what is queued and then closes C (the phone is shutting down).
func (s *Subscription) end() {
	s.hub.remove(s)
	s.q.close()
}

// pump moves queued events to the channel, one goroutine per subscription.
func (s *Subscription) pump() {
	defer close(s.ch)
	for {
		for _, e := range s.q.take() {
			select {
			case s.ch <- e:
			case <-s.done:
				return
			}
		}
		if s.q.isClosed() {
			// close happened before this check, so take sees everything pushed before it
			for _, e := range s.q.take() {
				select {
				case s.ch <- e:
				case <-s.done:
					return
				}
			}
			return
		}
		select {
		case <-s.q.wake:
		case <-s.done:
			return
		}
	}
}

// hub fans events out to subscriptions.
type hub struct {
	mu   sync.Mutex
	subs map[*Subscription]struct{}
}

func newHub() *hub { return &hub{subs: map[*Subscription]struct{}{}} }

func (h *hub) subscribe() *Subscription {
	s := &Subscription{ch: make(chan Event, 64), q: newEventQueue(), done: make(chan struct{}), hub: h}
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
		s.q.push(e)
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
