// Package ui is sipterm's terminal front end, built on tview and tcell.
//
// It renders snapshots and events from the phone core and turns keys into core commands. It imports
// package phone for its types only and drives the core through the Core interface.
//
// # Screen
//
// From the top: a status bar (listen addresses, audio device, registrations, clock; a flashing
// banner while a call rings), Accounts, Calls (the core's call history read at start first,
// dimmed and labelled with when they happened; Enter or d on an ended call offers a redial), the
// selected call (state, media figures, level meters and its SIP messages as a ladder, our side
// left and the peer right; v shows them raw), the Log (slog lines from LogWriter plus the UI's own; / filters), a message line for the latest
// warning or error, and the hint bar, which turns into the dial/command/filter line. From 120
// columns the call and the Log sit side by side. One table, keymap, drives the keys, the hint bar
// and the ? help.
//
// # Concurrency contract
//
//   - Only the tview event goroutine touches primitives and UI state. Key handlers run there and
//     mutate directly; they never call QueueUpdate or Draw (that would deadlock on itself).
//   - Exactly one other goroutine, the pump, reads the core's subscription, the clock tick and the
//     log writer's wake-ups, and hands batches to the event goroutine with QueueUpdateDraw. It also
//     is the only caller of Application.Stop, so it is never inside QueueUpdate when the event loop
//     ends (QueueUpdate blocks forever once the loop has stopped).
//   - Key handlers never wait on the network: every core command runs in its own short goroutine
//     and reports failures through the log buffer, which the pump renders.
//   - The dial history file (Options.DialHistoryFile) is read by New; dialled targets are appended
//     by a short writer goroutine that drains a queue in order, so the event loop never waits on
//     the disk. Run waits briefly for it on the way out.
//   - The core never waits on the UI: its Subscription queues without bound, and LogWriter only
//     appends to a bounded buffer under a mutex and wakes the pump without blocking.
//   - A panic in the pump (or a core command's goroutine) restores the terminal before it
//     propagates, and Run does not return: the panic, not a clean exit, ends the process.
package ui
