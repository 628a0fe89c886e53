package phone

import (
	"errors"
	"fmt"
	"sort"
	"sync"
	"time"

	"github.com/sipterm/sipterm/phone/media"
)

// Many lines: one call at a time has the microphone and speaker (the active call, or the
// calls of one local conference). Answering, dialing, resuming or swapping to a call makes it
// active: every other answered call is detached from the audio device at once and put on hold
// (re-INVITE a=sendonly), so the peer knows and nothing leaks in between.

// holdWait bounds how long a new outgoing call waits for the others' holds to be answered.
const holdWait = 5 * time.Second

// liveCallList is the registry's calls, oldest first.
func (p *Phone) liveCallList() []*Call {
	p.mu.Lock()
	calls := make([]*Call, 0, len(p.calls))
	for _, c := range p.calls {
		calls = append(calls, c)
	}
	p.mu.Unlock()
	sort.Slice(calls, func(i, j int) bool { return callNum(calls[i].id) < callNum(calls[j].id) })
	return calls
}

// holdOthers detaches every answered call but c (and c's conference partners) from the audio
// device and puts it on hold. The returned func waits until those holds are answered.
func (p *Phone) holdOthers(c *Call) (wait func()) {
	var wg sync.WaitGroup
	partners := c.conferencePartners()
	for _, o := range p.liveCallList() {
		if o == c || partners[o] {
			continue
		}
		o.mu.Lock()
		state, heldByUs, m, isEcho := o.info.State, o.info.Held, o.media, o.echo != nil
		o.mu.Unlock()
		if !answered(state) {
			continue
		}
		if m != nil {
			m.SetDetached(true)
		}
		if heldByUs || isEcho {
			continue
		}
		o.log.Info("putting on hold", "for", c.id)
		wg.Go(func() { o.reinvite(true) })
	}
	return wg.Wait
}

// attach gives c (and its conference partners) the microphone and speaker.
func (c *Call) attach() {
	for _, o := range append([]*Call{c}, c.conferenceList()...) {
		o.mu.Lock()
		m := o.media
		o.mu.Unlock()
		if m != nil {
			m.SetDetached(false)
		}
	}
}

// activate makes c the active call: the others are held and detached, c gets the device.
func (p *Phone) activate(c *Call) (wait func()) {
	wait = p.holdOthers(c)
	c.attach()
	return wait
}

// Swap holds the active call and resumes the held one (with several held calls, the one held
// longest). With no active call it just resumes.
func (p *Phone) Swap() error {
	var target *Call
	var held []string
	for _, c := range p.liveCallList() {
		c.mu.Lock()
		isHeld := c.info.Held && answered(c.info.State)
		c.mu.Unlock()
		if isHeld {
			held = append(held, c.id)
			if target == nil {
				target = c
			}
		}
	}
	if target == nil {
		return errors.New("no held call to swap to")
	}
	c := target
	p.activate(c)
	c.log.Info("swap: resuming", "held", held)
	for _, o := range append([]*Call{c}, c.conferenceList()...) {
		if o.Info().Held {
			o.goCall("resume", func() { o.reinvite(false) })
		}
	}
	return nil
}

// finishLines is what a call's end means for the other lines: it leaves its conference.
func (c *Call) finishLines() {
	c.leaveConference()
}

// ---- local conference ----

// conference is a set of calls whose media a Mixer joins.
type conference struct {
	mixer *media.Mixer
	mu    sync.Mutex
	legs  map[*Call]*media.MixLeg
}

// conferenceList is c's partners in its conference, oldest first (none when not conferenced).
func (c *Call) conferenceList() []*Call {
	c.mu.Lock()
	cf := c.conf
	c.mu.Unlock()
	if cf == nil {
		return nil
	}
	cf.mu.Lock()
	out := make([]*Call, 0, len(cf.legs))
	for o := range cf.legs {
		if o != c {
			out = append(out, o)
		}
	}
	cf.mu.Unlock()
	sort.Slice(out, func(i, j int) bool { return callNum(out[i].id) < callNum(out[j].id) })
	return out
}

func (c *Call) conferencePartners() map[*Call]bool {
	m := map[*Call]bool{}
	for _, o := range c.conferenceList() {
		m[o] = true
	}
	return m
}

// Conference joins two answered calls (ids "" = the two answered calls there are) into a local
// three-way conference: both are resumed, each remote hears the other and us, we hear both.
// Joining a call to a conference adds it to that conference.
func (p *Phone) Conference(id1, id2 string) error {
	a, b, err := p.conferencePair(id1, id2)
	if err != nil {
		return err
	}
	a.mu.Lock()
	cf := a.conf
	a.mu.Unlock()
	b.mu.Lock()
	if cf == nil {
		cf = b.conf
	}
	b.mu.Unlock()
	if cf == nil {
		cf = &conference{mixer: media.NewMixer(), legs: map[*Call]*media.MixLeg{}}
	}
	for _, c := range []*Call{a, b} {
		if err := cf.join(c); err != nil {
			return err
		}
	}
	p.activate(a)
	members := append([]*Call{a}, a.conferenceList()...)
	for _, c := range members {
		c.publishConference()
		if c.Info().Held {
			c.goCall("resume", func() { c.reinvite(false) })
		}
	}
	a.log.Info("conference", "calls", callIDs(members))
	return nil
}

func (p *Phone) conferencePair(id1, id2 string) (*Call, *Call, error) {
	var ids []string
	for _, id := range []string{id1, id2} {
		if id != "" {
			ids = append(ids, id)
		}
	}
	var pick []*Call
	for _, id := range ids {
		c, err := p.call(id, "conference", answered)
		if err != nil {
			return nil, nil, err
		}
		pick = append(pick, c)
	}
	if len(pick) < 2 {
		var rest []*Call
		for _, c := range p.liveCallList() {
			if answered(c.State()) && (len(pick) == 0 || (c != pick[0] && !pick[0].conferencePartners()[c])) {
				rest = append(rest, c)
			}
		}
		if len(pick)+len(rest) != 2 {
			return nil, nil, fmt.Errorf("conference: %d answered calls could join (%v): say which two",
				len(pick)+len(rest), callIDs(append(pick, rest...)))
		}
		pick = append(pick, rest...)
	}
	a, b := pick[0], pick[1]
	if a == b {
		return nil, nil, fmt.Errorf("conference: %s twice", a.id)
	}
	for _, c := range pick {
		c.mu.Lock()
		state, isEcho, m := c.info.State, c.echo != nil, c.media
		c.mu.Unlock()
		switch {
		case !answered(state):
			return nil, nil, fmt.Errorf("call %s is not answered (%s)", c.id, state)
		case isEcho:
			return nil, nil, fmt.Errorf("call %s is the echo test: it cannot join a conference", c.id)
		case m == nil:
			return nil, nil, fmt.Errorf("call %s has no media", c.id)
		}
	}
	if a.conferencePartners()[b] {
		return nil, nil, fmt.Errorf("calls %s and %s are already in one conference", a.id, b.id)
	}
	return a, b, nil
}

// join adds c to the conference (nothing if it is in it already).
func (cf *conference) join(c *Call) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.conf == cf {
		return nil
	}
	if c.conf != nil {
		return fmt.Errorf("call %s is in another conference: split it first", c.id)
	}
	leg := cf.mixer.Join()
	cf.mu.Lock()
	cf.legs[c] = leg
	cf.mu.Unlock()
	c.conf = cf
	c.media.SetMixLeg(leg)
	return nil
}

// leaveConference takes c out of its conference; a conference left with one call ends.
func (c *Call) leaveConference() {
	c.mu.Lock()
	cf, m := c.conf, c.media
	c.conf = nil
	c.info.Conference = nil
	c.mu.Unlock()
	if cf == nil {
		return
	}
	cf.mu.Lock()
	leg := cf.legs[c]
	delete(cf.legs, c)
	var rest []*Call
	for o := range cf.legs {
		rest = append(rest, o)
	}
	cf.mu.Unlock()
	if m != nil {
		m.SetMixLeg(nil)
	}
	if leg != nil {
		leg.Leave()
	}
	c.publishConference()
	if len(rest) == 1 {
		rest[0].leaveConference() // a conference of one is a plain call again
		return
	}
	for _, o := range rest {
		o.publishConference()
	}
}

// publishConference sets the call's conference partners in its info and publishes it.
func (c *Call) publishConference() {
	ids := callIDs(c.conferenceList())
	c.mu.Lock()
	if c.info.State == StateTerminated {
		c.mu.Unlock()
		return
	}
	c.info.Conference = ids
	info := c.info
	c.mu.Unlock()
	c.p.publish(EventCall{Call: info})
}

// Split takes the calls of a conference apart: call id (or, with "", the conference's oldest
// call) stays active, the others are put on hold.
func (p *Phone) Split(id string) error {
	var c *Call
	if id != "" {
		var err error
		if c, err = p.call(id, "split", answered); err != nil {
			return err
		}
	} else {
		for _, o := range p.liveCallList() {
			if len(o.conferenceList()) > 0 {
				c = o
				break
			}
		}
	}
	if c == nil || len(c.conferenceList()) == 0 {
		return errors.New("split: no conference")
	}
	members := append([]*Call{c}, c.conferenceList()...)
	for _, o := range members {
		o.leaveConference()
	}
	p.activate(c)
	c.log.Info("split", "calls", callIDs(members), "active", c.id)
	return nil
}

func callIDs(calls []*Call) []string {
	ids := make([]string, 0, len(calls))
	for _, c := range calls {
		ids = append(ids, c.id)
	}
	return ids
}

// waitAtMost runs wait, giving up on it after d.
func (p *Phone) waitAtMost(wait func(), d time.Duration) {
	done := make(chan struct{})
	p.goPhone("waiting for holds", func() { wait(); close(done) })
	select {
	case <-done:
	case <-time.After(d):
	}
}

// detached: another call has the microphone and speaker.
func (c *Call) detached() bool {
	c.mu.Lock()
	m := c.media
	c.mu.Unlock()
	return m != nil && m.Detached()
}

// takeOver is activate for a call being answered or dialled, when call_waiting is on (the
// default, but off for an unattended --auto-answer endpoint, whose calls run side by side).
func (p *Phone) takeOver(c *Call) (wait func()) {
	on := p.cfg.AutoAnswerDur == nil
	if p.cfg.CallWaiting != nil {
		on = *p.cfg.CallWaiting
	}
	if !on {
		return func() {}
	}
	return p.activate(c)
}
