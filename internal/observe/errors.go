package observe

import (
	"context"
	"log/slog"
	"runtime/debug"

	"github.com/pamtravel/pam/internal/pamerr"
)

// Reporter is the one place every transport reports an error it answered:
// it logs the error with its category and code (an unknown error with its
// stack trace, at error level), counts it in pam_errors_total, and raises an
// alert for unknown errors. It returns what the user may see.
type Reporter struct {
	Log     *slog.Logger
	Metrics *Metrics
	Alerts  *Alerts // nil: unknown errors are logged and counted only
	// FromContext, when set, returns the request's logger (carrying its
	// request and user ids); Log is used when it returns nil.
	FromContext func(ctx context.Context) *slog.Logger
}

// Report handles err answered on transport and returns its code and the
// user-facing message (internals never shown).
func (r *Reporter) Report(ctx context.Context, transport string, err error) (pamerr.Code, string) {
	if err == nil {
		return "", ""
	}
	code, cat := pamerr.CodeOf(err), pamerr.CategoryOf(err)
	if r.Metrics != nil {
		r.Metrics.ObserveError(transport, err)
	}
	log := r.Log
	if r.FromContext != nil {
		if l := r.FromContext(ctx); l != nil {
			log = l
		}
	}
	if log == nil {
		log = slog.Default()
	}
	attrs := []any{"transport", transport, "category", string(cat), "code", string(code), "error", err.Error()}
	switch cat {
	case pamerr.CategoryUnknown:
		log.ErrorContext(ctx, "unknown error", append(attrs, "stack", string(debug.Stack()))...)
		if r.Alerts != nil {
			r.Alerts.Raise(ctx, Alert{Name: "unknown_error", Severity: "critical",
				Summary: "An unexpected error reached a user on " + transport + ": " + string(code)})
		}
	case pamerr.CategoryUser:
		log.InfoContext(ctx, "user error", attrs...)
	default:
		log.WarnContext(ctx, "error", attrs...)
	}
	return code, pamerr.MessageOf(err)
}
