package main

import (
	"fmt"
	"runtime"
	"runtime/debug"
)

// version is set by the Makefile (-ldflags "-X main.version=..." from `git describe`); a plain
// `go build` leaves it empty and versionText falls back to what the Go toolchain recorded.
var version string

// versionText is what --version prints: the version, the commit and its time, whether the tree
// had local changes, and the Go that built it.
func versionText() string {
	v, rev, when, dirty := version, "", "", false
	if bi, ok := debug.ReadBuildInfo(); ok {
		if v == "" && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
			v = bi.Main.Version
		}
		for _, s := range bi.Settings {
			switch s.Key {
			case "vcs.revision":
				rev = s.Value
			case "vcs.time":
				when = s.Value
			case "vcs.modified":
				dirty = s.Value == "true"
			}
		}
	}
	if v == "" {
		v = "devel"
	}
	out := "sipterm " + v
	if rev != "" {
		if len(rev) > 12 {
			rev = rev[:12]
		}
		out += " (commit " + rev
		if when != "" {
			out += ", " + when
		}
		if dirty {
			out += ", modified"
		}
		out += ")"
	}
	return fmt.Sprintf("%s %s %s/%s\n", out, runtime.Version(), runtime.GOOS, runtime.GOARCH)
}
