package audio

// Recording is implemented by streams that record what is played to a file (the file device
// with a record path): RecordPath names that stream's own file.
type Recording interface {
	RecordPath() string
}

// RecordPath is the file this stream records to ("" = it records nothing).
func (s *pacedStream) RecordPath() string {
	if r, ok := s.sink.(recorder); ok {
		return r.w.Path()
	}
	return ""
}
