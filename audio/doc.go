// Package audio is sipterm's sound: devices that deliver and take 16-bit mono PCM frames of 20 ms,
// at 8 kHz (160 samples, Open) or at a wideband codec's 16 or 48 kHz (RateOpener.OpenRate, which
// every device implements). It knows nothing of SIP or RTP and imports nothing of sipterm's.
//
// Devices (Open, or OpenOrFallback which gives the null device and a notice when there is no
// sound card):
//
//   - null: Read gives silence paced by a deadline clock, Write discards. Cheap enough for
//     hundreds of concurrent streams (one timer per stream, no allocation per frame). Its
//     streams are Pullers: a caller pacing many streams from one clock calls Pull instead of
//     Read and no per-stream timer runs at all.
//   - file: Read plays a WAV file (converted to 8 kHz mono, looped; every stream starts at the
//     beginning); Write records each stream to its own 8 kHz mono WAV file (Y.wav, Y-2.wav, ...).
//     Paced like null.
//   - portaudio: one duplex sound device shared by all calls, paced by the device's own clock.
//     It is released (microphone closed) when no stream has been open for 3 s, and opened
//     again by the next Open.
//
// Every device also implements Reporter (Latency, Stats). Local sounds (ringback, ring, DTMF
// feedback) go through PlayTone, which opens its own stream with OpenPlayback.
//
// The portaudio media path, one device goroutine and one ring per stream and direction:
//
//	mic -> PortAudio blocking Read (20 ms at the device rate, 48 kHz first)
//	    -> resample to each stream rate in use (once per rate, shared; none at the device's)
//	    -> capture ring of every open Stream (8 frames; the oldest is dropped when a stream
//	       does not read) -> Stream.Read
//	Stream.Write -> playback ring of that Stream (a 1-3 frame cushion) -> mixed with the
//	    streams at its rate -> resampled to the device rate once per rate -> mixed (sum,
//	    clipped) at the device rate once per device block -> PortAudio blocking Write -> speaker
//
// Goroutines: Read and Write of one Stream may be called from different goroutines, but each
// from one goroutine at a time. The device goroutine only converts and copies frames into and
// out of the rings under short per-stream locks and allocates nothing. Device errors and xruns
// are counted and logged; after 5 errors in a row the device is closed and reopened once a
// second while the streams go on with silence paced by a timer.
//
// Stderr: ALSA and JACK print their probing errors to stderr, over the TUI. Their error
// handlers are set to no-ops before PortAudio initialises (Options.CaptureStderr also captures
// fd 2 around the initialisation and logs what arrives). PortAudio's ALSA host still prints its
// own failures on device errors; RedirectStderr sends fd 2 to a log file for the TUI's lifetime.
//
// Also here: WAV reading and writing, a windowed-sinc resampler, tone plans (ETSI call progress
// tones, DTMF) with an allocation-free generator, and level meters.
package audio
