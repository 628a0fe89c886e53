package audio

/*
#cgo pkg-config: alsa jack
#include <alsa/asoundlib.h>
#include <jack/jack.h>

// ALSA and JACK print their probing errors straight to stderr, which the TUI shares: while
// PortAudio initialises with no sound server they write about 100 lines across the screen.
// These handlers drop them; our own errors come back through PortAudio's return values.
static void sipterm_alsa_quiet(const char *file, int line, const char *function, int err, const char *fmt, ...) {}
static void sipterm_jack_quiet(const char *msg) {}

static void sipterm_quiet_native_logs(void) {
	snd_lib_error_set_handler(sipterm_alsa_quiet);
	jack_set_error_function(sipterm_jack_quiet);
	jack_set_info_function(sipterm_jack_quiet);
}
*/
import "C"

import "sync"

var quietOnce sync.Once

// quietNativeLogs installs no-op ALSA and JACK error handlers, once per process; it must run
// before portaudio.Initialize.
func quietNativeLogs() { quietOnce.Do(func() { C.sipterm_quiet_native_logs() }) }
