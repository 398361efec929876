// Package observe owns PAM's observability: JSON logs (log/slog) carrying
// request and user ids, the one error report used by every transport,
// Prometheus metrics (prefix pam_) and their admin JSON view, OpenTelemetry
// tracing (off unless an OTLP endpoint is configured), the in-process alert
// rules with a Slack-compatible webhook notifier, the resource and spend
// monitors, the scaling signal, and index suggestions from PostgreSQL EXPLAIN
// plans.
package observe

import (
	"io"
	"log/slog"
)

// NewLogger returns a JSON logger at level; wrap (e.g. redaction) may be nil.
func NewLogger(w io.Writer, level string, wrap func(slog.Handler) slog.Handler) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	var h slog.Handler = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})
	if wrap != nil {
		h = wrap(h)
	}
	return slog.New(h)
}
