package audio

import "log/slog"

// orDiscard returns log, or a logger that drops everything: library code never writes to
// stdout or stderr on its own.
func orDiscard(log *slog.Logger) *slog.Logger {
	if log == nil {
		return slog.New(slog.DiscardHandler)
	}
	return log
}
