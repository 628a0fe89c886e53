package audio

// NullDevice captures silence and discards what it plays, paced by a timer per stream (or by
// the caller's clock through Puller). It is
// the device for tests, load runs and machines without sound.
type NullDevice struct {
	streams  streamSet
	counters pacedCounters
}

var (
	_ Device   = (*NullDevice)(nil)
	_ Reporter = (*NullDevice)(nil)
)

// NewNullDevice returns a null device.
func NewNullDevice() *NullDevice { return &NullDevice{} }

// Name is "null".
func (d *NullDevice) Name() string { return "null" }

// Open gives a stream whose Read returns silence every 20 ms and whose Write discards.
func (d *NullDevice) Open() (Stream, error) {
	return newPacedStream(&d.streams, &d.counters, silence{}, discard{})
}

// Close stops every open stream.
func (d *NullDevice) Close() error { return d.streams.closeAll() }

// Latency is zero: nothing is buffered.
func (d *NullDevice) Latency() Latency { return Latency{} }

// Stats counts frames delivered and late frames over all streams.
func (d *NullDevice) Stats() Stats { return d.counters.stats() }
