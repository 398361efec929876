package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"

	"github.com/pamtravel/pam/internal/store"
)

// Auditor appends to the audit trail (audit.Log satisfies it).
type Auditor interface {
	Record(ctx context.Context, r store.AuditRecord) error
}

// AuditorFunc adapts a function to Auditor.
type AuditorFunc func(ctx context.Context, r store.AuditRecord) error

// Record calls f.
func (f AuditorFunc) Record(ctx context.Context, r store.AuditRecord) error { return f(ctx, r) }

// Audit kinds written by tools.
const (
	AuditKindTool  = "tool"
	AuditKindMoney = "money"
)

// audit records one tool call. A failing auditor is logged, never fatal to the call.
func (e *Executor) audit(ctx context.Context, call *Call, res *Result) {
	if e.opts.Auditor == nil {
		return
	}
	outcome := string(res.Status)
	if call.DryRun {
		outcome = "dry_run:" + outcome
	}
	rec := store.AuditRecord{
		Time:       e.opts.Now(),
		UserID:     call.UserID,
		RequestID:  call.RequestID,
		Kind:       AuditKindTool,
		Action:     call.Tool,
		Args:       redactKeys(call.Args),
		Outcome:    outcome,
		Error:      res.Error,
		DurationMs: res.DurationMs,
		Cost:       res.Cost,
		ClientAddr: call.ClientAddr,
		UserAgent:  call.UserAgent,
	}
	if err := e.opts.Auditor.Record(context.WithoutCancel(ctx), rec); err != nil {
		e.opts.Logger.ErrorContext(ctx, "audit record failed", "tool", call.Tool, "err", err)
	}
}

var sensitiveKeys = []string{"password", "passwd", "secret", "token", "api_key", "apikey", "authorization", "cookie", "private_key"}

// redactKeys masks values under secret-looking keys. The Auditor redacts
// free text too; this keeps secrets out even of an auditor that does not.
func redactKeys(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	lower := bytes.ToLower(raw)
	hit := false
	for _, k := range sensitiveKeys {
		if bytes.Contains(lower, []byte(k)) {
			hit = true
			break
		}
	}
	if !hit {
		return raw
	}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	if err := dec.Decode(&m); err != nil {
		return mustJSON("[unparseable arguments redacted]")
	}
	maskSecrets(m)
	return mustJSON(m)
}

func maskSecrets(v any) {
	switch x := v.(type) {
	case map[string]any:
		for k, val := range x {
			lk := strings.ToLower(k)
			secret := false
			for _, s := range sensitiveKeys {
				if strings.Contains(lk, s) {
					secret = true
					break
				}
			}
			if secret {
				x[k] = "[REDACTED]"
			} else {
				maskSecrets(val)
			}
		}
	case []any:
		for _, val := range x {
			maskSecrets(val)
		}
	}
}

// Alert is an integrity problem a person should look at (a negative balance,
// totals that disagree, an impossible budget).
type Alert struct {
	Kind    string            // money_negative_balance, money_inconsistent, budget_exceeded
	UserID  string            //
	Message string            // one sentence for the operator
	Details map[string]string // the numbers involved, as decimal strings
}

// Alerter receives integrity alerts (wired to observe/audit alerting by app).
type Alerter interface {
	Alert(ctx context.Context, a Alert)
}

// AlerterFunc adapts a function to Alerter.
type AlerterFunc func(ctx context.Context, a Alert)

// Alert calls f.
func (f AlerterFunc) Alert(ctx context.Context, a Alert) { f(ctx, a) }

// Ledger writes financial calculations to the audit trail and raises integrity
// alerts. Tool packages share one per registration.
type Ledger struct {
	Auditor Auditor
	Alerter Alerter
	Logger  *slog.Logger
}

// NewLedger returns a Ledger; nil auditor or alerter are allowed (alerts are then logged).
func NewLedger(a Auditor, opts ...RegisterOption) *Ledger {
	m := &Ledger{Auditor: a, Logger: slog.Default()}
	for _, o := range opts {
		o(m)
	}
	return m
}

// RegisterOption configures a tool package's Register.
type RegisterOption func(*Ledger)

// WithAlerter sends integrity alerts to al.
func WithAlerter(al Alerter) RegisterOption { return func(m *Ledger) { m.Alerter = al } }

// WithLogger logs through l.
func WithLogger(l *slog.Logger) RegisterOption { return func(m *Ledger) { m.Logger = l } }

// Calc records one financial calculation: its operation, inputs and result
// (decimal strings). It never fails the calculation.
func (m *Ledger) Calc(ctx context.Context, call *Call, operation string, inputs map[string]string, result string) {
	m.write(ctx, call, operation, inputs, result, "ok")
}

// Raise sends an alert and writes it to the audit trail as a money record
// with outcome "alert".
func (m *Ledger) Raise(ctx context.Context, call *Call, a Alert) {
	a.UserID = call.UserID
	m.write(ctx, call, a.Kind, a.Details, a.Message, "alert")
	if m.Alerter != nil {
		m.Alerter.Alert(context.WithoutCancel(ctx), a)
		return
	}
	m.Logger.ErrorContext(ctx, "money integrity alert", "kind", a.Kind, "user_id", a.UserID, "message", a.Message, "details", a.Details)
}

func (m *Ledger) write(ctx context.Context, call *Call, operation string, inputs map[string]string, result, outcome string) {
	if m == nil || m.Auditor == nil {
		return
	}
	rec := store.AuditRecord{
		Time:      call.Now,
		UserID:    call.UserID,
		RequestID: call.RequestID,
		Kind:      AuditKindMoney,
		Action:    operation,
		Args:      mustJSON(map[string]any{"tool": call.Tool, "inputs": inputs, "result": result}),
		Outcome:   outcome,
	}
	if err := m.Auditor.Record(context.WithoutCancel(ctx), rec); err != nil {
		m.Logger.ErrorContext(ctx, "money audit failed", "operation", operation, "err", err)
	}
}
