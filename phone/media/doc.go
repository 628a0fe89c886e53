// Package media is one call's RTP media: G.711 (PCMU/PCMA) packetisation, pacing by the audio
// device's clock, symmetric RTP, an adaptive jitter buffer with loss concealment, RTCP SR/RR with
// loss, jitter and round-trip time, and RFC 4733 DTMF in both directions. The phone core does SDP
// and hands a Session the negotiated Params; this package never imports the core or sipgo.
//
// The media path and who runs what:
//
//	          audio.Stream (device clock: Read blocks until a 20 ms frame is due)
//	               |  Read(mic)                                    ^ Write(spk)
//	               v                                               |
//	 send loop  [ mute -> DTMF? -> G.711 encode -> rtp.Packet.MarshalTo ]   [ jb.pop -> PLC ]
//	(goroutine)        |                                                         ^
//	                   v  UDP (to the latched peer, else the negotiated remote)  |
//	              ----------------------- network -----------------------        |
//	                   |  UDP from the peer only (latching)                      |
//	                   v                                                         |
//	 rtp loop   [ rtp.Unmarshal -> accept? -> seq stats -+-> G.711 decode -> jb.push ]
//	(goroutine)                                          +-> RFC 4733 -> OnDTMF
//
//	 rtcp loop     (goroutine): reads the peer's SR/RR/BYE -> RTT, remote loss
//	 control       (one goroutine for all sessions, control.go): every 100 ms checks the RTP
//	               timeout -> OnTimeout once; every ~5 s (0.5..1.5x) sends SR or RR + SDES
//	               CNAME -> OnStats
//
// Directions (ours): SendRecv; SendOnly is our hold: no RTP audio leaves (no music on hold, and
// the microphone must not leak) and nothing plays; RecvOnly plays the peer (its music on hold) and
// sends nothing; Inactive neither. RTCP continues in every direction. The RTP timeout runs only
// for SendRecv and RecvOnly; in RecvOnly the peer's RTCP also counts as a sign of life.
//
// Symmetric RTP: the first RTP from the negotiated IP (any port) latches the peer, and from then on
// we send there and accept RTP only from there. If the negotiated IP never speaks, the first
// source anywhere is latched once (NAT, SBCs). A Remote of 0.0.0.0 or port 0 never gets a packet.
//
// While a DTMF digit is sent, its dual tone is mixed quietly into what the user hears.
//
// One clock drives both directions: each Stream.Read that returns is a tick that sends the
// captured frame and plays exactly one frame from the jitter buffer. Except on a device that plays
// on a clock of its own (audio.PlaySourcer: PortAudio's playback callback): there the tick only
// sends, and the device pulls each frame to play from the session when it mixes one (play.go),
// so capture and playback, on two threads that stall independently, share no queue. A stream with no clock of
// its own (audio.Puller: the null and file devices, no device, the echo endpoint, a failed device's
// stand-in) is instead ticked by one shared deadline clock (start + n*20 ms, late frames caught
// up) that sends every such session's frame from a single goroutine: one timer for all calls
// rather than one timer and one waking goroutine each. The RTP timestamp counts samples, also
// while not sending, so hold/resume stays consistent.
//
// Callbacks: OnDTMF and OnNotice (latching, foreign sources) run on the rtp loop; OnNotice (RTCP
// BYE) on the rtcp loop; OnStats, OnTimeout and OnNotice (timeout) on the shared control clock,
// which every started session shares (so a blocking one stalls the others); OnNotice
// (device and send errors) on the send loop, which may be the shared clock's goroutine that every
// such call shares. None is called with a lock held; none may block.
//
// Locking: Session.mu guards params, the jitter buffer, statistics and peer latching. The send
// loop's packet state (sequence, timestamp, buffers) belongs to it alone. Nothing allocates per
// packet on the send path.
package media
