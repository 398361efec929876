package tools

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"reflect"
	"slices"
	"strings"
	"sync"

	"github.com/pamtravel/pam/internal/audit"
	"github.com/pamtravel/pam/internal/store"
)

// Auditor appends to the audit trail (audit.Log satisfies it).
type Auditor interface {
	Record(ctx context.Context, r store.AuditRecord) error
}

// BatchAuditor is an Auditor that also appends several records, chained in
// order, in one transaction (audit.Log satisfies it). With one, the executor
// appends a call's ledger rows together with the call's own row.
type BatchAuditor interface {
	Auditor
	RecordAll(ctx context.Context, rs []store.AuditRecord) error
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

// audit records one tool call, after the ledger rows the call produced,
// unless they committed with its change already. A failing auditor is
// logged, never fatal to the call.
func (e *Executor) audit(ctx context.Context, call *Call, res *Result) {
	if e.opts.Auditor == nil || call.audited {
		return
	}
	if err := e.writeAudit(ctx, call, res); err != nil {
		e.opts.Logger.ErrorContext(ctx, "audit record failed", "tool", call.Tool, "err", err)
	}
}

// writeAudit appends the call's ledger rows and its own row. A replayed
// call is recorded as such, without its cost (it spent nothing again).
func (e *Executor) writeAudit(ctx context.Context, call *Call, res *Result) error {
	outcome, cost := string(res.Status), res.Cost
	switch {
	case call.DryRun:
		outcome = "dry_run:" + outcome
	case call.replayed:
		outcome, cost = "replayed:"+outcome, ""
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
		Cost:       cost,
		ClientAddr: call.ClientAddr,
		UserAgent:  call.UserAgent,
	}
	return e.record(context.WithoutCancel(ctx), append(call.audits.take(), rec))
}

// record appends recs in order, in one transaction when the auditor can.
func (e *Executor) record(ctx context.Context, recs []store.AuditRecord) error {
	if b, ok := e.opts.Auditor.(BatchAuditor); ok {
		return b.RecordAll(ctx, recs)
	}
	var err error
	for _, r := range recs {
		err = errors.Join(err, e.opts.Auditor.Record(ctx, r))
	}
	return err
}

// callAudits collects the ledger rows written during one executor call, so
// that the executor appends them with the call's own row in one transaction.
// A handler the executor abandoned (timed out) may write after the call's
// row: add refuses then and the ledger records the row itself.
type callAudits struct {
	to    BatchAuditor // the executor's auditor; rows for another are not collected
	mu    sync.Mutex
	recs  []store.AuditRecord
	done  bool
	first [2]store.AuditRecord // recs' first array: a ledger row and the call's own
}

// add collects r, written for auditor a, and reports whether it did.
func (c *callAudits) add(a Auditor, r store.AuditRecord) bool {
	if c == nil || !sameAuditor(a, c.to) {
		return false
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.done {
		return false
	}
	if c.recs == nil {
		c.recs = c.first[:0] // room for the call's own row, appended at the end
	}
	c.recs = append(c.recs, r)
	return true
}

// restart collects afresh: a try that was rolled back took its rows with it.
func (c *callAudits) restart() {
	if c == nil {
		return
	}
	c.mu.Lock()
	c.recs, c.done = nil, false
	c.mu.Unlock()
}

// take returns the collected rows and stops collecting.
func (c *callAudits) take() []store.AuditRecord {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done = true
	recs := c.recs
	c.recs = nil
	return recs
}

// sameAuditor reports whether a and b are the same auditor, without the
// panic == gives for two values of one uncomparable type (an AuditorFunc).
func sameAuditor(a Auditor, b BatchAuditor) bool {
	t := reflect.TypeOf(a)
	return t != nil && t == reflect.TypeOf(b) && t.Comparable() && a == Auditor(b)
}

var sensitiveKeys = []string{"password", "passwd", "secret", "token", "api_key", "apikey", "authorization", "cookie", "private_key"}

// redactKeys masks values under secret-looking keys. The Auditor redacts
// free text too; this keeps secrets out even of an auditor that does not.
func redactKeys(raw json.RawMessage) json.RawMessage {
	if len(raw) == 0 {
		return nil
	}
	if !mentionsSecret(raw) {
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

// mentionsSecret reports whether raw contains a secret-looking key name in
// any case, lower-casing small ASCII arguments (the usual ones) on the stack.
func mentionsSecret(raw json.RawMessage) bool {
	var buf [1024]byte
	var lower []byte
	if len(raw) <= len(buf) && isASCII(raw) {
		lower = buf[:len(raw)]
		for i, c := range raw {
			if 'A' <= c && c <= 'Z' {
				c += 'a' - 'A'
			}
			lower[i] = c
		}
	} else {
		lower = bytes.ToLower(raw)
	}
	for _, k := range sensitiveKeys {
		if bytes.Contains(lower, []byte(k)) {
			return true
		}
	}
	return false
}

func isASCII(b []byte) bool {
	for _, c := range b {
		if c >= 0x80 {
			return false
		}
	}
	return true
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
		Args:      ledgerArgs(call.Tool, inputs, result),
		Outcome:   outcome,
	}
	if call.audits.add(m.Auditor, rec) {
		return
	}
	if err := m.Auditor.Record(context.WithoutCancel(ctx), rec); err != nil {
		m.Logger.ErrorContext(ctx, "money audit failed", "operation", operation, "err", err)
	}
}

// ledgerArgs encodes {"inputs":…,"result":…,"tool":…} byte for byte as
// json.Marshal of that map[string]any would (keys sorted), without the map.
func ledgerArgs(tool string, inputs map[string]string, result string) json.RawMessage {
	b := make([]byte, 0, 48+len(tool)+len(result)+32*len(inputs))
	b = append(b, `{"inputs":`...)
	b = appendStringMap(b, inputs)
	b = append(b, `,"result":`...)
	b = audit.AppendString(b, result)
	b = append(b, `,"tool":`...)
	b = audit.AppendString(b, tool)
	return append(b, '}')
}

// appendStringMap encodes m as json.Marshal does: null when nil, keys sorted.
func appendStringMap(b []byte, m map[string]string) []byte {
	if m == nil {
		return append(b, "null"...)
	}
	var scratch [8]string // a calculation's inputs are few: keep their keys off the heap
	keys := scratch[:0]
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	b = append(b, '{')
	for i, k := range keys {
		if i > 0 {
			b = append(b, ',')
		}
		b = audit.AppendString(b, k)
		b = append(b, ':')
		b = audit.AppendString(b, m[k])
	}
	return append(b, '}')
}
