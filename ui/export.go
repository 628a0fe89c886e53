package ui

import (
	"fmt"
	"strings"
)

// exporter is the core's per-call capture export; its own interface so that test cores need not
// have it.
type exporter interface {
	Export(id, dir string) (string, string, error)
}

// exportCall writes the selected call's capture into dir ("" = capture_dir, else the current
// directory) and says where.
func (u *UI) exportCall(dir string) {
	x, ok := u.core.(exporter)
	if !ok {
		u.logf(levelError, "export: not supported by this core")
		return
	}
	c := u.selectedCall()
	if c == nil {
		u.logf(levelError, "export: no call selected")
		return
	}
	if c.hist {
		u.logf(levelError, "export: "+clean(c.info.Remote)+" is from an earlier run: only this run's last calls are kept")
		return
	}
	id, pcap, err := x.Export(c.info.ID, dir)
	if err != nil {
		u.logf(levelError, clean(err.Error()))
		return
	}
	u.logf(levelInfo, fmt.Sprintf("%s exported: %s (+ %s)", id, clean(pcap), clean(strings.TrimSuffix(pcap, ".pcap")+".json")))
}
