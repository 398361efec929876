package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

// Appender stores a row, setting its Seq, PrevHash and Hash (store.Store satisfies it).
type Appender interface {
	AppendAudit(ctx context.Context, r *store.AuditRecord, hash func(r *store.AuditRecord) string) error
}

// Kinds of audit records.
const (
	KindTool     = "tool"
	KindSecurity = "security"
	KindAdmin    = "admin"
	KindMoney    = "money"
)

// Outcomes of audited actions.
const (
	OutcomeOK      = "ok"
	OutcomeFailure = "failure"
	OutcomeDenied  = "denied"
)

// ActionLogin is the security action whose failures feed the failed-login alert.
const ActionLogin = "login"

// Log writes audit records: it redacts them, stamps the time and appends them
// to the hash chain. It is safe for concurrent use.
type Log struct {
	s      Appender
	redact func(string) string
	now    func() time.Time
	alerts *Alerter
}

// New returns a Log appending to s. redact (e.g. a wrapper of safety.Redact)
// is applied to every string in Args and to Error; nil means no redaction
// beyond the always-on masking of values under secret-looking keys. now may be
// nil for time.Now.
func New(s Appender, redact func(string) string, now func() time.Time) *Log {
	if redact == nil {
		redact = func(s string) string { return s }
	}
	if now == nil {
		now = time.Now
	}
	return &Log{s: s, redact: redact, now: now}
}

// WithAlerts makes Record feed a (failed logins by user and client address,
// Cost as spending by user) and returns l.
func (l *Log) WithAlerts(a *Alerter) *Log {
	l.alerts = a
	return l
}

// Record redacts r and appends it. Time is set when zero.
func (l *Log) Record(ctx context.Context, r store.AuditRecord) error {
	if r.Time.IsZero() {
		r.Time = l.now()
	}
	r.Time = r.Time.UTC().Truncate(time.Microsecond)
	r.Args = l.redactArgs(r.Args)
	r.Error = l.redact(r.Error)
	r.UserAgent = l.redact(r.UserAgent)
	r.Seq, r.PrevHash, r.Hash = 0, "", ""
	if err := l.s.AppendAudit(ctx, &r, Hash); err != nil {
		return fmt.Errorf("append audit %s/%s: %w", r.Kind, r.Action, err)
	}
	if l.alerts != nil {
		l.feedAlerts(ctx, &r)
	}
	return nil
}

func (l *Log) feedAlerts(ctx context.Context, r *store.AuditRecord) {
	if r.Kind == KindSecurity && r.Action == ActionLogin && r.Outcome == OutcomeFailure {
		l.alerts.FailedLogin(ctx, r.UserID, r.ClientAddr)
	}
	if r.Cost != "" && r.UserID != "" {
		l.alerts.SpendString(ctx, r.UserID, r.Cost)
	}
}

// sensitiveKey reports whether a JSON key names a secret whose value is never kept.
func sensitiveKey(k string) bool {
	k = strings.ToLower(k)
	for _, s := range []string{"password", "passwd", "secret", "token", "api_key", "apikey", "authorization", "cookie", "private_key"} {
		if strings.Contains(k, s) {
			return true
		}
	}
	return false
}

// redactArgs redacts every string in the JSON document and masks values under
// secret-looking keys. Arguments that are not JSON are kept as a redacted JSON string.
func (l *Log) redactArgs(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil || dec.More() {
		out, _ := json.Marshal(l.redact(string(raw)))
		return out
	}
	out, err := json.Marshal(l.walk(v))
	if err != nil {
		out, _ = json.Marshal(l.redact(string(raw)))
	}
	return out
}

func (l *Log) walk(v any) any {
	switch x := v.(type) {
	case string:
		return l.redact(x)
	case []any:
		for i := range x {
			x[i] = l.walk(x[i])
		}
		return x
	case map[string]any:
		for k, val := range x {
			if sensitiveKey(k) {
				x[k] = "[REDACTED]"
				continue
			}
			x[k] = l.walk(val)
		}
		return x
	default:
		return v
	}
}
