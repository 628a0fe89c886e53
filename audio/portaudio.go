package audio

// NewPortAudioDevice is being written.
func NewPortAudioDevice(opts Options) (Device, error) { return nil, ErrNoDevice }
