package audit

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/pamtravel/pam/internal/store"
)

// Appender stores rows, chained in order in one transaction, setting their
// Seq, PrevHash and Hash (store.Store satisfies it).
type Appender interface {
	AppendAudits(ctx context.Context, rs []*store.AuditRecord, hash func(r *store.AuditRecord) string) error
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

// WithAlerts makes Record feed a (failed or refused logins by user and client address,
// Cost as spending by user) and returns l.
func (l *Log) WithAlerts(a *Alerter) *Log {
	l.alerts = a
	return l
}

// Record redacts r and appends it. Time is set when zero.
func (l *Log) Record(ctx context.Context, r store.AuditRecord) error {
	return l.RecordAll(ctx, []store.AuditRecord{r})
}

// RecordAll redacts rs and appends them, chained in order, in one
// transaction: all of them or none. Times are set when zero. rs are changed
// in place to the records as stored.
func (l *Log) RecordAll(ctx context.Context, rs []store.AuditRecord) error {
	if len(rs) == 0 {
		return nil
	}
	ptrs := make([]*store.AuditRecord, len(rs))
	for i := range rs {
		l.prepare(&rs[i])
		ptrs[i] = &rs[i]
	}
	if err := l.s.AppendAudits(ctx, ptrs, hashRecorded); err != nil {
		return fmt.Errorf("append audit %s/%s: %w", rs[0].Kind, rs[0].Action, err)
	}
	if l.alerts != nil {
		for i := range rs {
			l.feedAlerts(ctx, &rs[i])
		}
	}
	return nil
}

// prepare stamps and redacts r for appending. Its Args are then what
// hashRecorded expects.
func (l *Log) prepare(r *store.AuditRecord) {
	if r.Time.IsZero() {
		r.Time = l.now()
	}
	r.Time = r.Time.UTC().Truncate(time.Microsecond)
	r.Args = l.redactArgs(r.Args)
	r.Error = l.redact(r.Error)
	r.UserAgent = l.redact(r.UserAgent)
	r.Seq, r.PrevHash, r.Hash = 0, "", ""
}

func (l *Log) feedAlerts(ctx context.Context, r *store.AuditRecord) {
	if r.Kind == KindSecurity && r.Action == ActionLogin && (r.Outcome == OutcomeFailure || r.Outcome == OutcomeDenied) {
		l.alerts.FailedLogin(ctx, r.UserID, r.ClientAddr)
	}
	if r.Cost != "" && r.UserID != "" {
		l.alerts.SpendString(ctx, r.UserID, r.Cost)
	}
}

// secretKeyParts are the (lower-case) parts of keys whose values are never kept.
var secretKeyParts = [...]string{"password", "passwd", "secret", "token", "api_key", "apikey", "authorization", "cookie", "private_key"}

// sensitiveKey reports whether a JSON key names a secret whose value is never
// kept. Keys are matched case-insensitively, by Unicode rules (strings.ToLower)
// for non-ASCII keys and without allocating for ASCII ones.
func sensitiveKey(k string) bool {
	if !isASCII(k) {
		k = strings.ToLower(k)
	}
	for _, s := range secretKeyParts {
		if containsFoldASCII(k, s) {
			return true
		}
	}
	return false
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// containsFoldASCII reports whether s contains lower, ASCII letters of s
// matched case-insensitively; lower must be lower-case.
func containsFoldASCII(s, lower string) bool {
	for i := 0; i+len(lower) <= len(s); i++ {
		j := 0
		for j < len(lower) && toLowerASCII(s[i+j]) == lower[j] {
			j++
		}
		if j == len(lower) {
			return true
		}
	}
	return false
}

func toLowerASCII(c byte) byte {
	if c >= 'A' && c <= 'Z' {
		return c + 'a' - 'A'
	}
	return c
}

// redactArgs redacts every string in the JSON document and masks values under
// secret-looking keys, re-encoding it canonically (see canon). Arguments that
// are so already are returned as they are, not copied. Arguments that are not
// JSON are kept as a redacted JSON string.
func (l *Log) redactArgs(raw json.RawMessage) json.RawMessage {
	if len(bytes.TrimSpace(raw)) == 0 {
		return nil
	}
	src := string(raw)
	if out, ok := encodeCanonicalReuse(raw, src, l.redact, true); ok {
		return out
	}
	return AppendString(nil, l.redact(src))
}
