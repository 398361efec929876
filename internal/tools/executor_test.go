package tools

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

type recAuditor struct {
	mu   sync.Mutex
	recs []store.AuditRecord
}

func (a *recAuditor) Record(_ context.Context, r store.AuditRecord) error {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.recs = append(a.recs, r)
	return nil
}

func (a *recAuditor) all() []store.AuditRecord {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]store.AuditRecord(nil), a.recs...)
}

const objSchema = `{"type":"object","properties":{"n":{"type":"integer","minimum":1},"secret_token":{"type":"string"},"user_id":{"type":"string"}},"additionalProperties":false}`

func okHandler(_ context.Context, c *Call) (*Result, error) {
	return &Result{Data: map[string]any{"user": c.UserID, "args": json.RawMessage(c.Args)}, Summary: "done"}, nil
}

func newTestExecutor(t testing.TB, tools ...Tool) (*Executor, *recAuditor) {
	t.Helper()
	reg := NewRegistry()
	for _, tl := range tools {
		if tl.Parameters == nil {
			tl.Parameters = json.RawMessage(objSchema)
		}
		if tl.Description == "" {
			tl.Description = "test tool"
		}
		reg.MustRegister(tl)
	}
	aud := &recAuditor{}
	e := NewExecutor(reg, ExecutorOptions{
		Auditor:        aud,
		DefaultTimeout: 200 * time.Millisecond,
		RetryBackoff:   time.Millisecond,
		BreakerOpen:    100 * time.Millisecond,
	})
	return e, aud
}

func userCall(tool, args string) Call {
	return Call{Tool: tool, Args: json.RawMessage(args), UserID: "u1", Role: store.RoleUser, RequestID: "r1"}
}

func TestExecuteChecks(t *testing.T) {
	e, aud := newTestExecutor(t,
		Tool{Name: "echo", Handler: okHandler},
		Tool{Name: "admin_only", Roles: []string{store.RoleAdmin}, Handler: okHandler},
		Tool{Name: "slow", Handler: func(ctx context.Context, _ *Call) (*Result, error) {
			time.Sleep(time.Second) // ignores its context on purpose
			return &Result{}, nil
		}},
		Tool{Name: "boom", Handler: func(context.Context, *Call) (*Result, error) { panic("kaboom") }},
		Tool{Name: "user_err", Handler: func(context.Context, *Call) (*Result, error) {
			return nil, Invalid("The amount must be at least 0.01.")
		}},
	)
	tests := []struct {
		name      string
		call      Call
		status    Status
		errSubstr string
	}{
		{"ok", userCall("echo", `{"n":2}`), StatusOK, ""},
		{"unknown tool", userCall("nope", `{}`), StatusInvalidArguments, "unknown tool"},
		{"bad args", userCall("echo", `{"n":0}`), StatusInvalidArguments, "minimum"},
		{"extra arg", userCall("echo", `{"zzz":1}`), StatusInvalidArguments, "zzz"},
		{"not an object", userCall("echo", `[1]`), StatusInvalidArguments, "object"},
		{"role", userCall("admin_only", `{}`), StatusUnauthorized, "not allowed"},
		{"no user", Call{Tool: "echo", Role: store.RoleUser}, StatusUnauthorized, ""},
		{"timeout", userCall("slow", `{}`), StatusTimeout, ""},
		{"panic", userCall("boom", `{}`), StatusFailed, "unexpectedly"},
		{"categorized error", userCall("user_err", `{}`), StatusInvalidArguments, "at least 0.01"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n := len(aud.all())
			res := e.Execute(context.Background(), tt.call)
			if res.Status != tt.status {
				t.Fatalf("status = %s (%s), want %s", res.Status, res.Error, tt.status)
			}
			if !strings.Contains(res.Error, tt.errSubstr) {
				t.Errorf("error %q does not contain %q", res.Error, tt.errSubstr)
			}
			recs := aud.all()
			if len(recs) != n+1 {
				t.Fatalf("audit records = %d, want %d", len(recs), n+1)
			}
			if r := recs[n]; r.Outcome != string(tt.status) || r.Action != tt.call.Tool || r.Kind != AuditKindTool {
				t.Errorf("audit = %+v", r)
			}
		})
	}
}

func TestUserIDAlwaysFromCall(t *testing.T) {
	e, aud := newTestExecutor(t, Tool{Name: "echo", Handler: okHandler})
	res := e.Execute(context.Background(), userCall("echo", `{"user_id":"victim","secret_token":"hunter2"}`))
	if res.Status != StatusOK {
		t.Fatalf("status %s: %s", res.Status, res.Error)
	}
	var data struct {
		User string          `json:"user"`
		Args json.RawMessage `json:"args"`
	}
	if err := json.Unmarshal(res.Data.(json.RawMessage), &data); err != nil {
		t.Fatal(err)
	}
	if data.User != "u1" || strings.Contains(string(data.Args), "victim") {
		t.Fatalf("handler saw %v", data)
	}
	rec := aud.all()[0]
	if strings.Contains(string(rec.Args), "hunter2") || !strings.Contains(string(rec.Args), "REDACTED") {
		t.Errorf("audit args not redacted: %s", rec.Args)
	}
}

func TestDryRunValidatesOnly(t *testing.T) {
	var ran atomic.Int32
	e, aud := newTestExecutor(t, Tool{Name: "write", Writes: true, Handler: func(context.Context, *Call) (*Result, error) {
		ran.Add(1)
		return &Result{}, nil
	}})
	c := userCall("write", `{"n":3}`)
	c.DryRun = true
	if res := e.Execute(context.Background(), c); res.Status != StatusOK {
		t.Fatalf("dry run: %s %s", res.Status, res.Error)
	}
	c.Args = json.RawMessage(`{"n":-1}`)
	if res := e.Execute(context.Background(), c); res.Status != StatusInvalidArguments {
		t.Fatalf("dry run of bad args: %s", res.Status)
	}
	if ran.Load() != 0 {
		t.Fatal("dry run ran the handler")
	}
	if got := aud.all()[0].Outcome; got != "dry_run:ok" {
		t.Errorf("audit outcome %q", got)
	}
}

func TestRetriesOnlyIdempotent(t *testing.T) {
	for _, idem := range []bool{true, false} {
		var calls atomic.Int32
		e, _ := newTestExecutor(t, Tool{Name: "flaky", Idempotent: idem, Handler: func(context.Context, *Call) (*Result, error) {
			if calls.Add(1) < 3 {
				return nil, errors.New("connection reset")
			}
			return &Result{Summary: "ok"}, nil
		}})
		res := e.Execute(context.Background(), userCall("flaky", `{}`))
		if idem {
			if res.Status != StatusOK || calls.Load() != 3 {
				t.Errorf("idempotent: status %s after %d calls, want ok after 3", res.Status, calls.Load())
			}
		} else if res.Status != StatusFailed || calls.Load() != 1 {
			t.Errorf("non-idempotent: status %s after %d calls, want failed after 1", res.Status, calls.Load())
		}
	}
}

func TestNoRetryOnUserError(t *testing.T) {
	var calls atomic.Int32
	e, _ := newTestExecutor(t, Tool{Name: "lookup", Idempotent: true, Handler: func(context.Context, *Call) (*Result, error) {
		calls.Add(1)
		return nil, NotFound("expense")
	}})
	if res := e.Execute(context.Background(), userCall("lookup", `{}`)); res.Status != StatusNoResults {
		t.Fatalf("status %s", res.Status)
	}
	if calls.Load() != 1 {
		t.Errorf("calls = %d, want 1", calls.Load())
	}
}

func TestBreakerOpensAndHalfOpens(t *testing.T) {
	var fail atomic.Bool
	fail.Store(true)
	var calls atomic.Int32
	e, _ := newTestExecutor(t, Tool{Name: "ext", Handler: func(context.Context, *Call) (*Result, error) {
		calls.Add(1)
		if fail.Load() {
			return nil, errors.New("upstream 500")
		}
		return &Result{Summary: "fine"}, nil
	}}, Tool{Name: "bad_input", Handler: func(context.Context, *Call) (*Result, error) {
		return nil, Invalid("nope")
	}})
	for i := 0; i < 5; i++ {
		if res := e.Execute(context.Background(), userCall("ext", `{}`)); res.Status != StatusFailed {
			t.Fatalf("call %d: %s", i, res.Status)
		}
	}
	if got := e.BreakerStates()["ext"]; got != "open" {
		t.Fatalf("breaker after 5 failures = %q", got)
	}
	res := e.Execute(context.Background(), userCall("ext", `{}`))
	if res.Status != StatusNotAvailable || res.Banner == "" || calls.Load() != 5 {
		t.Fatalf("open breaker: status %s, calls %d", res.Status, calls.Load())
	}
	time.Sleep(150 * time.Millisecond)
	if got := e.BreakerStates()["ext"]; got != "half-open" {
		t.Fatalf("breaker after open period = %q", got)
	}
	fail.Store(false)
	if res := e.Execute(context.Background(), userCall("ext", `{}`)); res.Status != StatusOK {
		t.Fatalf("trial call: %s", res.Status)
	}
	if got := e.BreakerStates()["ext"]; got != "closed" {
		t.Fatalf("breaker after successful trial = %q", got)
	}
	// Caller mistakes never open a breaker.
	for i := 0; i < 10; i++ {
		e.Execute(context.Background(), userCall("bad_input", `{}`))
	}
	if got := e.BreakerStates()["bad_input"]; got != "closed" {
		t.Fatalf("breaker after user errors = %q", got)
	}
}

func TestConfirmFlow(t *testing.T) {
	var ran atomic.Int32
	now := time.Date(2026, 11, 24, 12, 0, 0, 0, time.UTC)
	var clock atomic.Int64
	clock.Store(now.UnixNano())
	reg := NewRegistry()
	reg.MustRegister(Tool{
		Name: "delete_thing", Description: "delete", Parameters: json.RawMessage(`{"type":"object","properties":{"last":{"type":"boolean"},"id":{"type":"string"}}}`),
		Writes: true, Confirm: true,
		Prepare: func(_ context.Context, c *Call) (string, error) {
			c.Args = json.RawMessage(`{"id":"t-42"}`) // resolve "last" now, not at confirmation
			return "Delete thing t-42?", nil
		},
		Handler: func(_ context.Context, c *Call) (*Result, error) {
			ran.Add(1)
			if !c.Confirmed || string(c.Args) != `{"id":"t-42"}` {
				return nil, errors.New("ran unconfirmed or with unresolved args")
			}
			return &Result{Data: map[string]string{"deleted_id": "t-42"}}, nil
		},
	})
	aud := &recAuditor{}
	e := NewExecutor(reg, ExecutorOptions{Auditor: aud, Now: func() time.Time { return time.Unix(0, clock.Load()) }})
	ctx := context.Background()

	forged := userCall("delete_thing", `{"last":true}`)
	forged.Confirmed = true // only Confirm may run a Confirm tool
	res := e.Execute(ctx, forged)
	if res.Status != StatusNeedsConfirmation || !strings.Contains(res.Summary, "Delete thing t-42?") || ran.Load() != 0 {
		t.Fatalf("first call: %+v ran=%d", res, ran.Load())
	}
	id := res.Data.(map[string]any)["action_id"].(string)
	if p := e.PendingFor(ctx, "u1"); len(p) != 1 || p[0].ID != id {
		t.Fatalf("PendingFor = %+v", p)
	}
	if p := e.PendingFor(ctx, "u2"); len(p) != 0 {
		t.Fatalf("another user sees pending actions: %+v", p)
	}
	if r := e.Confirm(ctx, "u2", id); r.Status != StatusInvalidArguments || ran.Load() != 0 {
		t.Fatalf("other user's confirm: %s", r.Status)
	}
	if r := e.Confirm(ctx, "u1", id); r.Status != StatusOK || ran.Load() != 1 {
		t.Fatalf("confirm: %s %s", r.Status, r.Error)
	}
	if r := e.Confirm(ctx, "u1", id); r.Status != StatusInvalidArguments || ran.Load() != 1 {
		t.Fatalf("second confirm ran again: %s", r.Status)
	}

	res = e.Execute(ctx, userCall("delete_thing", `{}`))
	id = res.Data.(map[string]any)["action_id"].(string)
	clock.Add(int64(11 * time.Minute))
	if r := e.Confirm(ctx, "u1", id); r.Status != StatusInvalidArguments || !strings.Contains(r.Error, "expired") {
		t.Fatalf("expired confirm: %s %s", r.Status, r.Error)
	}
	if ran.Load() != 1 {
		t.Fatal("expired action ran")
	}
	if len(e.PendingFor(ctx, "u1")) != 0 {
		t.Fatal("expired action still pending")
	}
}

func TestResultChecks(t *testing.T) {
	stations := func(lats ...string) map[string]any {
		var items []any
		for _, l := range lats {
			items = append(items, map[string]any{"name": "s" + l, "lat": json.Number(l), "lng": json.Number("-105"), "price": map[string]string{"amount": "3.45", "currency": "USD"}})
		}
		return map[string]any{"stations": items}
	}
	tests := []struct {
		name    string
		data    any
		status  Status
		kept    int
		schema  string
		partial bool
	}{
		{"all good", stations("39.7", "40.1"), StatusOK, 2, "", false},
		{"one bad item dropped", stations("39.7", "140.1", "40"), StatusPartial, 2, "", true},
		{"bad top level", map[string]any{"distance_km": json.Number("-5")}, StatusFailed, 0, "", false},
		{"negative price", map[string]any{"stations": []any{map[string]any{"price": map[string]string{"amount": "-1.00"}}}}, StatusPartial, 0, "", true},
		{"schema violation", map[string]any{"x": 1}, StatusFailed, 0, `{"type":"object","required":["stations"]}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			data := tt.data
			tl := Tool{Name: "find", Handler: func(context.Context, *Call) (*Result, error) { return &Result{Data: data}, nil }}
			if tt.schema != "" {
				tl.ResultSchema = json.RawMessage(tt.schema)
			}
			e, _ := newTestExecutor(t, tl)
			res := e.Execute(context.Background(), userCall("find", `{}`))
			if res.Status != tt.status || res.Partial != tt.partial {
				t.Fatalf("status %s partial %v (%s), want %s %v", res.Status, res.Partial, res.Error, tt.status, tt.partial)
			}
			if tt.status == StatusFailed {
				return
			}
			raw, _ := json.Marshal(res.Data)
			var got struct{ Stations []any }
			_ = json.Unmarshal(raw, &got)
			if len(got.Stations) != tt.kept {
				t.Errorf("kept %d stations, want %d: %s", len(got.Stations), tt.kept, raw)
			}
		})
	}
}

func TestDefinitionsAndPrefilter(t *testing.T) {
	e, _ := newTestExecutor(t,
		Tool{Name: "create_expense", Category: CategoryMoney, Description: "Log money spent", Handler: okHandler},
		Tool{Name: "get_weather_forecast", Category: CategoryTrip, Sources: []string{"openmeteo"}, Description: "Weather forecast", Handler: okHandler},
		Tool{Name: "list_users", Category: CategoryAdmin, Roles: []string{store.RoleAdmin}, Description: "List accounts", Handler: okHandler},
		Tool{Name: "add_fuel_entry", Category: CategoryFuel, Keywords: []string{"fill-up"}, Description: "Log a fuel fill-up", Handler: okHandler},
	)
	names := func(ts []*Tool) string {
		var s []string
		for _, t := range ts {
			s = append(s, t.Name)
		}
		return strings.Join(s, ",")
	}
	if got := names(e.Definitions(store.RoleUser, nil)); got != "add_fuel_entry,create_expense,get_weather_forecast" {
		t.Errorf("user definitions = %s", got)
	}
	down := func(string) bool { return false }
	if got := names(e.Definitions(store.RoleAdmin, down)); got != "add_fuel_entry,create_expense,list_users" {
		t.Errorf("admin definitions with sources down = %s", got)
	}
	all := e.Definitions(store.RoleAdmin, nil)
	if got := names(Prefilter(all, "what's the weather tomorrow?", 1)); got != "get_weather_forecast" {
		t.Errorf("prefilter weather = %s", got)
	}
	if got := names(Prefilter(all, "I spent $40 on food", 1)); got != "create_expense" {
		t.Errorf("prefilter expense = %s", got)
	}
	if got := names(Prefilter(all, "log my fill-up, weather weather forecast", 1)); got != "add_fuel_entry" {
		t.Errorf("keyword tool not kept first: %s", got)
	}
	if got := len(Prefilter(all, "", 0)); got != 4 {
		t.Errorf("default max kept %d", got)
	}
}

func BenchmarkExecuteOverhead(b *testing.B) {
	e, _ := newTestExecutor(b, Tool{Name: "noop", Handler: func(context.Context, *Call) (*Result, error) {
		return &Result{Data: map[string]int{"n": 1}, Summary: "ok"}, nil
	}})
	e.opts.Auditor = AuditorFunc(func(context.Context, store.AuditRecord) error { return nil })
	call := userCall("noop", `{"n":5}`)
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if res := e.Execute(ctx, call); res.Status != StatusOK {
			b.Fatal(res.Status)
		}
	}
}

// TestAttemptTimeoutUnderCallerDeadline: a handler runs under the earlier of
// the tool's timeout and the caller's deadline, and running out of either is
// a timeout, also for a handler that ignores its context.
func TestAttemptTimeoutUnderCallerDeadline(t *testing.T) {
	var (
		mu       sync.Mutex
		deadline time.Time
	)
	e, _ := newTestExecutor(t,
		Tool{Name: "slow", Timeout: 150 * time.Millisecond, Handler: func(ctx context.Context, _ *Call) (*Result, error) {
			mu.Lock()
			deadline, _ = ctx.Deadline()
			mu.Unlock()
			time.Sleep(time.Second) // ignores its context on purpose
			return &Result{}, nil
		}},
		Tool{Name: "polite", Timeout: 150 * time.Millisecond, Handler: func(ctx context.Context, _ *Call) (*Result, error) {
			<-ctx.Done()
			return nil, ctx.Err()
		}},
	)
	tests := []struct {
		name   string
		tool   string
		caller time.Duration // 0: no caller deadline
		want   time.Duration // the bound the handler sees
	}{
		{"tool timeout, no caller deadline", "slow", 0, 150 * time.Millisecond},
		{"tool timeout before the caller's", "slow", 5 * time.Second, 150 * time.Millisecond},
		{"caller's deadline first", "slow", 40 * time.Millisecond, 40 * time.Millisecond},
		{"caller's deadline first, handler returns its error", "polite", 40 * time.Millisecond, 40 * time.Millisecond},
		{"tool timeout, handler returns its error", "polite", 5 * time.Second, 150 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			if tt.caller > 0 {
				var cancel context.CancelFunc
				ctx, cancel = context.WithTimeout(ctx, tt.caller)
				defer cancel()
			}
			start := time.Now()
			res := e.Execute(ctx, userCall(tt.tool, `{}`))
			took := time.Since(start)
			if res.Status != StatusTimeout {
				t.Fatalf("status = %s (%s), want %s", res.Status, res.Error, StatusTimeout)
			}
			if took < tt.want || took > tt.want+500*time.Millisecond {
				t.Errorf("answered after %v, want about %v", took, tt.want)
			}
			if tt.tool != "slow" {
				return
			}
			mu.Lock()
			defer mu.Unlock()
			if d := deadline.Sub(start); d > tt.want+50*time.Millisecond || d < tt.want-50*time.Millisecond {
				t.Errorf("handler's deadline %v after the call, want %v", d, tt.want)
			}
		})
	}
}
