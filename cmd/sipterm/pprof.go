package main

import (
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/pprof"
	"os"
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
	go func() { _ = http.Serve(ln, mux) }() // lives as long as the process
}
