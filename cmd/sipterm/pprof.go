package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"

	"github.com/sipterm/sipterm/phone/media"
)

// pprofEnv names the hidden profiling switch: SIPTERM_PPROF=127.0.0.1:6060 serves Go's
// net/http/pprof there (heap, goroutine, profile...), for memory and CPU work under load
// (.ci/soak). Off by default; only a loopback address is accepted: profiles show call data.
const pprofEnv = "SIPTERM_PPROF"

// startPprof starts the profiling server when SIPTERM_PPROF is set; errors go to stderr and
// the phone runs on without it.
func startPprof(stderr io.Writer) {
	addr := os.Getenv(pprofEnv)
	if addr == "" {
		return
	}
	host, _, err := net.SplitHostPort(addr)
	if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
		fmt.Fprintf(stderr, "sipterm: %s=%q: want a loopback HOST:PORT such as 127.0.0.1:6060; profiling off\n", pprofEnv, addr)
		return
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		fmt.Fprintf(stderr, "sipterm: %s: %v; profiling off\n", pprofEnv, err)
		return
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/debug/pprof/", pprof.Index)
	mux.HandleFunc("/debug/pprof/cmdline", pprof.Cmdline)
	mux.HandleFunc("/debug/pprof/profile", pprof.Profile)
	mux.HandleFunc("/debug/pprof/symbol", pprof.Symbol)
	mux.HandleFunc("/debug/pprof/trace", pprof.Trace)
	mux.HandleFunc("/debug/pacer", servePacerStats)
	go func() { _ = http.Serve(ln, mux) }() // lives as long as the process
}

// servePacerStats answers the shared send clock's counters as one JSON object (durations in
// microseconds), for the benches: did the pacer keep up, or only the box not.
func servePacerStats(w http.ResponseWriter, _ *http.Request) {
	st := media.SharedPacerStats()
	w.Header().Set("Content-Type", "application/json")
	fmt.Fprintf(w, `{"ticks":%d,"late":%d,"resyncs":%d,"max_tick_us":%d,"max_wake_us":%d}`+"\n",
		st.Ticks, st.Late, st.Resyncs, st.MaxTick.Microseconds(), st.MaxWake.Microseconds())
}
