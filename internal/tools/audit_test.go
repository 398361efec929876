package tools

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// batchAuditor records like recAuditor and keeps each RecordAll as one batch.
type batchAuditor struct {
	recAuditor
	mu      sync.Mutex
	batches [][]store.AuditRecord
}

func (a *batchAuditor) RecordAll(ctx context.Context, rs []store.AuditRecord) error {
	a.mu.Lock()
	a.batches = append(a.batches, append([]store.AuditRecord(nil), rs...))
	a.mu.Unlock()
	for _, r := range rs {
		_ = a.recAuditor.Record(ctx, r)
	}
	return nil
}

func TestLedgerArgsMatchMarshal(t *testing.T) {
	for _, in := range []map[string]string{nil, {}, {"b": "2", "a": "<1> & \u2028", "\xff": "\x01\"\\"}} {
		for _, s := range []string{"", "45.20", "a\xffb</script>"} {
			got := ledgerArgs(s+"tool", in, s)
			want := mustJSON(map[string]any{"tool": s + "tool", "inputs": in, "result": s})
			if string(got) != string(want) {
				t.Errorf("ledgerArgs(%q, %v)\n got %s\nwant %s", s, in, got, want)
			}
		}
	}
}

// ledgerTool calculates and raises an alert, as the money tools do.
func ledgerTool(l *Ledger) Tool {
	return Tool{Name: "spend", Handler: func(ctx context.Context, c *Call) (*Result, error) {
		l.Calc(ctx, c, "sum", map[string]string{"a": "1"}, "1")
		l.Raise(ctx, c, Alert{Kind: "budget_exceeded", Message: "over"})
		return &Result{Summary: "ok"}, nil
	}}
}

func TestCallAuditsAppendedTogether(t *testing.T) {
	aud := &batchAuditor{}
	var alerts []Alert
	l := NewLedger(aud, WithAlerter(AlerterFunc(func(_ context.Context, a Alert) { alerts = append(alerts, a) })))
	reg := NewRegistry()
	reg.MustRegister(withSchema(ledgerTool(l)))
	e := NewExecutor(reg, ExecutorOptions{Auditor: aud})
	if r := e.Execute(context.Background(), userCall("spend", `{}`)); r.Status != StatusOK {
		t.Fatalf("status %s: %s", r.Status, r.Error)
	}
	if len(aud.batches) != 1 || len(aud.batches[0]) != 3 {
		t.Fatalf("batches = %+v, want one of 3 rows", aud.batches)
	}
	b := aud.batches[0]
	if b[0].Action != "sum" || b[1].Outcome != "alert" || b[2].Kind != AuditKindTool || b[2].Action != "spend" {
		t.Errorf("batch order: %s/%s, %s/%s, %s/%s", b[0].Kind, b[0].Action, b[1].Kind, b[1].Outcome, b[2].Kind, b[2].Action)
	}
	if len(alerts) != 1 || alerts[0].UserID != "u1" {
		t.Errorf("alerts = %+v", alerts)
	}
	// Outside an executor call the ledger records at once.
	l.Calc(context.Background(), &Call{Tool: "x", UserID: "u1"}, "sum", nil, "0")
	if n := len(aud.all()); n != 4 {
		t.Errorf("%d rows recorded, want 4", n)
	}
}

// A ledger writing to another auditor than the executor's keeps writing there.
func TestLedgerOwnAuditorNotCollected(t *testing.T) {
	mine, execs := &batchAuditor{}, &batchAuditor{}
	reg := NewRegistry()
	reg.MustRegister(withSchema(ledgerTool(NewLedger(mine))))
	e := NewExecutor(reg, ExecutorOptions{Auditor: execs})
	e.Execute(context.Background(), userCall("spend", `{}`))
	if len(mine.all()) != 2 || len(execs.all()) != 1 || len(execs.batches) != 1 {
		t.Errorf("ledger's auditor %d rows, executor's %d rows in %d batches", len(mine.all()), len(execs.all()), len(execs.batches))
	}
}

// Rows a timed-out handler writes after its call was audited are still recorded.
func TestLateLedgerRowsRecorded(t *testing.T) {
	aud := &batchAuditor{}
	l := NewLedger(aud)
	done := make(chan struct{})
	reg := NewRegistry()
	reg.MustRegister(withSchema(Tool{Name: "late", Timeout: 10 * time.Millisecond, Handler: func(ctx context.Context, c *Call) (*Result, error) {
		<-ctx.Done()
		time.Sleep(20 * time.Millisecond)
		l.Calc(ctx, c, "late_sum", nil, "1")
		close(done)
		return nil, ctx.Err()
	}}))
	e := NewExecutor(reg, ExecutorOptions{Auditor: aud, MaxRetries: -1, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if r := e.Execute(context.Background(), userCall("late", `{}`)); r.Status != StatusTimeout {
		t.Fatalf("status %s", r.Status)
	}
	<-done
	recs := aud.all()
	if len(recs) != 2 || recs[0].Kind != AuditKindTool || recs[1].Action != "late_sum" {
		t.Errorf("records = %+v", recs)
	}
}

func withSchema(tl Tool) Tool {
	tl.Parameters = json.RawMessage(objSchema)
	tl.Description = "test tool"
	return tl
}

func TestMentionsSecret(t *testing.T) {
	for raw, want := range map[string]bool{
		`{"amount":"1"}`: false, `{"API_KEY":"x"}`: true, `{"Secret_Token":1}`: true, `{"n":"K` + "\u212a" + `"}`: false,
		`{"TO` + "\u212a" + `EN":"x"}`: true, `{"x":"` + string(make([]byte, 2000)) + `Password"}`: true,
	} {
		if got := mentionsSecret(json.RawMessage(raw)); got != want {
			t.Errorf("mentionsSecret(%.40q) = %v, want %v", raw, got, want)
		}
	}
}

func FuzzLedgerArgs(f *testing.F) {
	f.Add("create_expense", "amount", "45.20", "currency", "USD", "45.20 USD", false)
	f.Add("x", "<k>", "\u2028&", "\xff", "\x01\"\\", "a\xe2\x80", true)
	f.Fuzz(func(t *testing.T, tool, k1, v1, k2, v2, result string, nilInputs bool) {
		inputs := map[string]string{k1: v1, k2: v2}
		if nilInputs {
			inputs = nil
		}
		got := ledgerArgs(tool, inputs, result)
		want := mustJSON(map[string]any{"tool": tool, "inputs": inputs, "result": result})
		if string(got) != string(want) {
			t.Fatalf("ledgerArgs\n got %s\nwant %s", got, want)
		}
	})
}

// One ledger row and the call's own fill the collector's first array; two
// calls' batches stay apart.
func TestCallAuditsOneLedgerRow(t *testing.T) {
	aud := &batchAuditor{}
	l := NewLedger(aud)
	reg := NewRegistry()
	reg.MustRegister(withSchema(Tool{Name: "log_one", Handler: func(ctx context.Context, c *Call) (*Result, error) {
		l.Calc(ctx, c, "sum", map[string]string{"a": c.RequestID}, "1")
		return &Result{Summary: "ok"}, nil
	}}))
	e := NewExecutor(reg, ExecutorOptions{Auditor: aud})
	for _, id := range []string{"r1", "r2"} {
		call := userCall("log_one", `{}`)
		call.RequestID = id
		if r := e.Execute(context.Background(), call); r.Status != StatusOK {
			t.Fatalf("status %s: %s", r.Status, r.Error)
		}
	}
	if len(aud.batches) != 2 {
		t.Fatalf("batches = %+v, want two", aud.batches)
	}
	for i, id := range []string{"r1", "r2"} {
		b := aud.batches[i]
		if len(b) != 2 || b[0].Action != "sum" || !strings.Contains(string(b[0].Args), `"a":"`+id+`"`) || b[1].Kind != AuditKindTool || b[1].RequestID != id {
			t.Errorf("batch %d = %+v", i, b)
		}
	}
}

// busyOnceResults fails its first transaction as a busy database would,
// after running it (then rolled back); it keeps no results.
type busyOnceResults struct{ tries int }

func (b *busyOnceResults) InTxContext(ctx context.Context, fn func(ctx context.Context) error) error {
	err := fn(ctx)
	if b.tries++; b.tries == 1 && err == nil {
		return pamerr.New(pamerr.Overloaded, "the database is busy")
	}
	return err
}

func (b *busyOnceResults) SaveToolResult(context.Context, string, string, json.RawMessage) error {
	return nil
}

func (b *busyOnceResults) ToolResult(context.Context, string, string) (json.RawMessage, error) {
	return nil, store.ErrNotFound
}

// A call tried again after a busy database collects its ledger rows afresh:
// the retry's rows go in one batch with its own, as the first try's did.
func TestRetriedChangeCollectsItsRowsAgain(t *testing.T) {
	aud := &batchAuditor{}
	reg := NewRegistry()
	tl := withSchema(ledgerTool(NewLedger(aud)))
	tl.Writes = true
	reg.MustRegister(tl)
	e := NewExecutor(reg, ExecutorOptions{Auditor: aud, Results: &busyOnceResults{}, MaxRetries: -1})
	call := userCall("spend", `{}`)
	call.TurnID, call.CallKey = "t1", "spend#1"
	if r := e.Execute(context.Background(), call); r.Status != StatusOK {
		t.Fatalf("status %s: %s", r.Status, r.Error)
	}
	if len(aud.batches) != 2 || len(aud.batches[1]) != 3 {
		t.Fatalf("batches = %+v, want the retry's rows (ledger, alert, call) in one batch", aud.batches)
	}
}
