package phone

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func sipEv(n int) EventSIP { return EventSIP{Summary: fmt.Sprintf("msg %d", n)} }

// describe turns a taken batch into short words, so the table can say exactly what the reader gets.
func describe(items []Event) []string {
	var out []string
	for _, e := range items {
		switch ev := e.(type) {
		case EventSIP:
			out = append(out, "sip:"+strings.TrimPrefix(ev.Summary, "msg "))
		case EventStats:
			out = append(out, fmt.Sprintf("stats:%s:%d", ev.ID, ev.Stats.PacketsReceived))
		case EventCall:
			out = append(out, "call:"+ev.Call.ID+":"+string(ev.Call.State))
		case EventNotice:
			out = append(out, "notice:"+ev.Level)
		default:
			out = append(out, fmt.Sprintf("%T", e))
		}
	}
	return out
}

func TestEventQueuePolicy(t *testing.T) {
	stats := func(id string, n uint64) EventStats {
		return EventStats{ID: id, Stats: MediaStats{PacketsReceived: n}}
	}
	call := func(id string, st CallState) EventCall { return EventCall{Call: CallInfo{ID: id, State: st}} }
	tests := []struct {
		name string
		push []Event
		want []string
	}{
		{"order kept", []Event{call("c1", StateIncoming), sipEv(1), call("c1", StateEstablished)},
			[]string{"call:c1:incoming", "sip:1", "call:c1:established"}},
		{"stats coalesced per call, in the first one's place",
			[]Event{stats("c1", 1), stats("c2", 1), call("c1", StateHeld), stats("c1", 2), stats("c1", 3)},
			[]string{"stats:c1:3", "stats:c2:1", "call:c1:held"}},
		{"stats of different calls are all kept", []Event{stats("c1", 5), stats("c2", 6)},
			[]string{"stats:c1:5", "stats:c2:6"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			q := newEventQueue()
			for _, e := range tt.push {
				q.push(e)
			}
			got := describe(q.take())
			if strings.Join(got, " ") != strings.Join(tt.want, " ") {
				t.Errorf("took %v, want %v", got, tt.want)
			}
		})
	}
}

// TestEventQueueBoundedForStalledReader: a reader that takes nothing while a flood of SIP messages
// arrives keeps at most maxQueuedSIP of them (the newest), every call event, and a notice that
// counts the dropped ones.
func TestEventQueueBoundedForStalledReader(t *testing.T) {
	q := newEventQueue()
	const flood = 3*maxQueuedSIP + 17
	for i := 0; i < flood; i++ {
		q.push(sipEv(i))
		if i%1000 == 0 {
			q.push(EventCall{Call: CallInfo{ID: fmt.Sprintf("c%d", i), State: StateEstablished}})
		}
	}
	items := q.take()
	notice, ok := items[0].(EventNotice)
	if !ok || !strings.Contains(notice.Message, fmt.Sprint(flood-maxQueuedSIP)) {
		t.Fatalf("first item %#v, want a notice counting %d dropped SIP events", items[0], flood-maxQueuedSIP)
	}
	var sips, calls int
	first := -1
	for _, e := range items[1:] {
		switch ev := e.(type) {
		case EventSIP:
			if first < 0 {
				fmt.Sscanf(ev.Summary, "msg %d", &first)
			}
			sips++
		case EventCall:
			calls++
		}
	}
	if sips != maxQueuedSIP || first != flood-maxQueuedSIP {
		t.Errorf("kept %d SIP events starting at %d, want the newest %d (from %d)", sips, first, maxQueuedSIP, flood-maxQueuedSIP)
	}
	if want := (flood + 999) / 1000; calls != want {
		t.Errorf("kept %d call events, want all %d", calls, want)
	}
	if q.droppedSIP() != uint64(flood-maxQueuedSIP) {
		t.Errorf("droppedSIP = %d, want %d", q.droppedSIP(), flood-maxQueuedSIP)
	}
	if again := q.take(); len(again) != 0 {
		t.Errorf("a second take returned %v; the notice must come once per burst", describe(again))
	}
}

// TestSubscriptionStalledReaderThenDrains: through the hub, a subscriber that stops reading does not
// hold the publisher, and when it reads again it gets every call event and the latest stats.
func TestSubscriptionStalledReaderThenDrains(t *testing.T) {
	h := newHub()
	s := h.subscribe()
	defer s.Close()
	done := make(chan struct{})
	go func() { // the publisher must never block on the stalled reader
		defer close(done)
		for i := 0; i < 4*maxQueuedSIP; i++ {
			h.publish(sipEv(i))
			h.publish(EventStats{ID: "c1", Stats: MediaStats{PacketsReceived: uint64(i)}})
		}
		h.publish(EventCall{Call: CallInfo{ID: "c1", State: StateTerminated}})
	}()
	<-done
	var gotEnd bool
	var lastStats uint64
	deadline := time.After(10 * time.Second)
	for !gotEnd {
		select {
		case e := <-s.C():
			switch ev := e.(type) {
			case EventCall:
				gotEnd = ev.Call.State == StateTerminated
			case EventStats:
				lastStats = ev.Stats.PacketsReceived
			}
		case <-deadline:
			t.Fatal("the terminated call event never arrived")
		}
	}
	if lastStats != 4*maxQueuedSIP-1 {
		t.Errorf("last stats seen %d, want the newest %d", lastStats, 4*maxQueuedSIP-1)
	}
	if s.DroppedSIP() == 0 {
		t.Error("a reader that stalled through a flood dropped nothing: the queue is not bounded")
	}
}
