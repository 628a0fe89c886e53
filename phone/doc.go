// Package phone is sipterm's core: accounts, registration, calls and the call registry, over
// sipgo. Front ends (the TUI, headless mode) drive it with commands (Dial, Answer, Hangup, ...)
// and render the events it publishes; they never hold a *Call.
//
// Ownership: the Phone's registry is the only owner of a Call from its first INVITE to its
// end. sipgo request handlers hand requests to the call that owns them; the INVITE handler of
// a ringing call stays parked (sipgo kills the INVITE transaction when the handler returns)
// until the call's owner decides, from any goroutine, or the caller cancels.
//
// # Lifetimes
//
// Every goroutine the phone, a call, a command, a timer or a tone starts runs in the Phone's
// group (group.go: goPhone, Call.goCall, afterFunc), named for Close's report. The Phone's
// context (p.ctx) lives from Start to Close; each call has a child context (Call.ctx) that
// finish cancels, so a call's tones and helpers stop with it; Call.Done is closed then too.
// Close ends the calls (BYE, CANCEL, 480) and un-registers within its context, then cancels
// p.ctx, closes sipgo (which ends its transactions and transport readers) and waits for the
// group, at most closeWait more, naming what is still running. Cancelling Start's context
// runs Close.
// Outside the group, with owners of their own: a media.Session's loops (Session.Close waits),
// the shared frame pacer (ends when its last session leaves), a Subscription's pump (closed
// by Close or by its owner), the tracer's writer (tracer.stop), capture_dir writes (capWG)
// and memory.go's release timer. Waiting for a state uses channels closed when the state
// changes (Call.done, Call.settled, Account.done, prack channels), never polling.
//
// # Locks
//
// What each mutex guards, and the order they nest in: a lock may be held while taking one
// below it in this list, never one above it. Nothing in this package holds a lock while it
// waits for the network, except where noted.
//
//  1. Phone.mu: the registry (calls, bySIPID) and closing. Held while reading a call's state
//     (Call.mu) in callFor, attendedPair and AnswerTransfer; never while publishing.
//  2. Call.infoMu: DTMF by INFO, one digit at a time; held across the INFO transaction (it
//     takes Call.mu and the hub's lock inside).
//  3. Call.ext.mu (prack.go): 100rel and session-timer state; takes Call.mu (State) inside.
//  4. callCapture.mu (capture.go): a call's captured packets; writing a capture reads the
//     call's Info (Call.mu) with it held. captures.mu (the list of captures) is a leaf.
//  5. Call.mu: the call's info (state, stats), dialogs, decision, media pointers, timers,
//     transfer and conference membership. Held while reading media stats (media.Session.mu)
//     and while joining a conference (conference.mu, media.Mixer.mu). Never held while
//     publishing, sending SIP or waiting.
//  6. conference.mu (lines.go): the conference's legs.
//  7. media.Session.mu: a session's parameters, counters, jitter buffer; takes the Mixer's
//     lock when it publishes a conference leg. media calls back (OnStats, OnDTMF, OnTimeout,
//     the tap) with no media lock held, so a callback may take Call.mu.
//  8. media.Mixer.mu, media's pacer and clock locks, srtp locks: leaves within media.
//  9. hub.mu (events.go) then the subscription queue's mu (subqueue.go): publish takes them
//     from any goroutine, with none of the locks above held (except Call.infoMu).
//
// Leaves, taken with nothing else after them: Account.mu (registration info, Contact),
// screener.mu (screen.go), ratelimit and overload counters, history.mu (writes the history
// file under it), policyTable.mu (reads and saves the policy file under it), secret cache
// (may run password_cmd under it), memReturn.mu, doctor.mu and group.mu.
package phone
