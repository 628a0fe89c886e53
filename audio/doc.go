// Package audio is sipterm's sound: devices that deliver and take 16-bit mono PCM frames at 8 kHz
// (160 samples, 20 ms). It knows nothing of SIP or RTP and imports nothing of sipterm's.
//
// Devices (see Open and OpenOrFallback):
//
//   - null: Read gives silence paced by a deadline clock, Write discards. Cheap enough for
//     hundreds of concurrent streams (one timer per stream, no allocation per frame).
//   - file: Read plays a WAV file (converted to 8 kHz mono, looped; every stream starts at the
//     beginning); Write records each stream to its own 8 kHz mono WAV file. Paced like null.
//   - portaudio: one duplex sound card shared by all calls, paced by the card's own clock.
//
// The portaudio media path, one device goroutine and one ring per stream and direction:
//
//	mic -> PortAudio blocking Read (device rate) -> resample to 8 kHz -> capture ring of every
//	       open Stream (oldest frame dropped when a stream does not read) -> Stream.Read
//	Stream.Write -> playback ring of that Stream -> mixed (sum, clipped) once per device frame
//	       -> resample to device rate -> PortAudio blocking Write -> speaker
//
// Goroutines: Read and Write of one Stream may be called from different goroutines, but each
// from one goroutine at a time. The device goroutine only copies frames into and out of the
// rings under short per-stream locks and never allocates.
//
// Also here: WAV reading and writing, a windowed-sinc resampler, tone plans (ETSI call progress
// tones, DTMF) with an allocation-free generator, and level meters.
package audio
