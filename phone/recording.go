package phone

// EventRecording: the call's received audio is being recorded to File (--record: one file per
// call, named once, when its media starts).
type EventRecording struct{ ID, File string }

// announceRecording publishes the call's recording file the first time its media starts.
func (c *Call) announceRecording(m interface{ RecordPath() string }) {
	path := m.RecordPath()
	if path == "" {
		return
	}
	c.log.Info("recording", "file", path)
	c.p.publish(EventRecording{ID: c.id, File: path})
}
func (EventRecording) isEvent() {}
