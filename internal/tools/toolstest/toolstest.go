// Package toolstest owns the test harness of the tool packages: a real SQLite
// store in a temporary directory, users with settings, and an executor that
// records audit rows and integrity alerts. It is imported only by tests.
package toolstest

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
	"github.com/pamtravel/pam/internal/tools"
)

// Now is the harness clock: Tuesday 2026-11-24 18:00 UTC (11:00 in Denver).
var Now = time.Date(2026, 11, 24, 18, 0, 0, 0, time.UTC)

var quiet = slog.New(slog.NewTextHandler(io.Discard, nil))

// Harness is a registry and executor over a real store.
type Harness struct {
	S      store.Store
	Reg    *tools.Registry
	Exec   *tools.Executor
	Audit  *Recorder
	Alerts *Alerts
	Clock  *Clock
}

// Register is the shape of the tool packages' Register functions.
type Register func(r *tools.Registry, s store.Store, a tools.Auditor, opts ...tools.RegisterOption) error

// New opens a fresh SQLite store and registers the given packages.
func New(t testing.TB, regs ...Register) *Harness {
	t.Helper()
	ctx := context.Background()
	s, err := storage.Open(ctx, filepath.Join(t.TempDir(), "pam.db"), storage.Options{Logger: quiet})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = s.Close() })
	h := &Harness{S: s, Reg: tools.NewRegistry(), Audit: &Recorder{}, Alerts: &Alerts{}, Clock: &Clock{t: Now}}
	for _, r := range regs {
		if err := r(h.Reg, s, h.Audit, tools.WithAlerter(h.Alerts)); err != nil {
			t.Fatalf("register: %v", err)
		}
	}
	h.Exec = tools.NewExecutor(h.Reg, tools.ExecutorOptions{Auditor: h.Audit, Now: h.Clock.Now, Logger: quiet, RetryBackoff: time.Millisecond})
	return h
}

// User creates an account with settings (zero fields take the defaults) and returns it.
func (h *Harness) User(t testing.TB, email string, set store.Settings) *store.User {
	t.Helper()
	def := store.DefaultSettings()
	if set.Units == "" {
		set.Units = def.Units
	}
	if set.Currency == "" {
		set.Currency = def.Currency
	}
	if set.TimeZone == "" {
		set.TimeZone = def.TimeZone
	}
	if set.Language == "" {
		set.Language = def.Language
	}
	u := &store.User{Email: email, DisplayName: email, Role: store.RoleUser, PasswordHash: "x", Settings: set}
	if err := h.S.CreateUser(context.Background(), u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	return u
}

// Admin creates an admin account.
func (h *Harness) Admin(t testing.TB, email string) *store.User {
	t.Helper()
	u := h.User(t, email, store.Settings{})
	u.Role = store.RoleAdmin
	if err := h.S.UpdateUser(context.Background(), u); err != nil {
		t.Fatalf("make admin: %v", err)
	}
	return u
}

// Call runs tool for u (with u's current settings), confirming when the tool asks.
func (h *Harness) Call(t testing.TB, u *store.User, tool, args string) tools.Result {
	t.Helper()
	res := h.Ask(t, u, tool, args)
	if res.Status == tools.StatusNeedsConfirmation {
		id := res.Data.(map[string]any)["action_id"].(string)
		return h.Exec.Confirm(context.Background(), u.ID, id)
	}
	return res
}

// Ask runs tool for u without confirming.
func (h *Harness) Ask(t testing.TB, u *store.User, tool, args string) tools.Result {
	t.Helper()
	fresh, err := h.S.UserByID(context.Background(), u.ID)
	if err != nil {
		t.Fatalf("load user: %v", err)
	}
	return h.Exec.Execute(context.Background(), tools.Call{
		ID: "call-1", Tool: tool, Args: json.RawMessage(args), UserID: u.ID, Role: fresh.Role,
		RequestID: "req-1", Settings: fresh.Settings,
	})
}

// Data re-decodes a result's data as generic JSON for assertions.
func Data(t testing.TB, r tools.Result) map[string]any {
	t.Helper()
	raw, err := json.Marshal(r.Data)
	if err != nil {
		t.Fatalf("marshal data: %v", err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("data is not an object: %s", raw)
	}
	return m
}

// MustOK fails the test unless r succeeded.
func MustOK(t testing.TB, r tools.Result) tools.Result {
	t.Helper()
	if r.Status != tools.StatusOK {
		t.Fatalf("status %s: %s %s", r.Status, r.Error, r.Summary)
	}
	return r
}

// Recorder is an Auditor keeping every record.
type Recorder struct {
	mu   sync.Mutex
	Recs []store.AuditRecord
}

// Record keeps r.
func (a *Recorder) Record(_ context.Context, r store.AuditRecord) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.Recs = append(a.Recs, r)
	return nil
}

// Kind returns the records of kind.
func (a *Recorder) Kind(kind string) []store.AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []store.AuditRecord
	for _, r := range a.Recs {
		if r.Kind == kind {
			out = append(out, r)
		}
	}
	return out
}

// Alerts is an Alerter keeping every alert.
type Alerts struct {
	mu  sync.Mutex
	All []tools.Alert
}

// Alert keeps a.
func (al *Alerts) Alert(_ context.Context, a tools.Alert) {
	al.mu.Lock()
	defer al.mu.Unlock()
	al.All = append(al.All, a)
}

// Kinds returns the kinds of the alerts so far.
func (al *Alerts) Kinds() []string {
	al.mu.Lock()
	defer al.mu.Unlock()
	var out []string
	for _, a := range al.All {
		out = append(out, a.Kind)
	}
	return out
}

// Clock is a settable clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// Now returns the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Set moves the clock.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = t
}
