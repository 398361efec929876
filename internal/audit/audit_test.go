package audit

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/store"
)

// memLog is an in-memory Appender and Scanner behaving like the store's.
type memLog struct {
	mu   sync.Mutex
	rows []store.AuditRecord
}

func (m *memLog) AppendAudits(_ context.Context, rs []*store.AuditRecord, hash func(*store.AuditRecord) string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, r := range rs {
		r.Seq = int64(len(m.rows) + 1)
		r.PrevHash = ""
		if n := len(m.rows); n > 0 {
			r.PrevHash = m.rows[n-1].Hash
		}
		r.Hash = hash(r)
		m.rows = append(m.rows, *r)
	}
	return nil
}

func (m *memLog) ScanAudit(_ context.Context, fn func(*store.AuditRecord) error) error {
	for i := range m.rows {
		r := m.rows[i]
		if err := fn(&r); err != nil {
			return err
		}
	}
	return nil
}

func fixedNow() time.Time { return time.Date(2026, 5, 1, 12, 0, 0, 123456789, time.UTC) }

func filled(t *testing.T, n int) *memLog {
	t.Helper()
	m := &memLog{}
	l := New(m, func(s string) string { return strings.ReplaceAll(s, "sk-secret", "[REDACTED]") }, fixedNow)
	for i := 0; i < n; i++ {
		err := l.Record(context.Background(), store.AuditRecord{
			UserID: "u1", RequestID: "r", Kind: KindTool, Action: "create_expense",
			Args: json.RawMessage(`{"amount":"45.20","note":"key sk-secret","password":"hunter22"}`), Outcome: OutcomeOK, Cost: "0.0012",
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return m
}

func TestVerifyDetectsTampering(t *testing.T) {
	tests := []struct {
		name   string
		tamper func(m *memLog)
		ok     bool
	}{
		{"intact", func(*memLog) {}, true},
		{"changed action", func(m *memLog) { m.rows[2].Action = "delete_user" }, false},
		{"changed args", func(m *memLog) { m.rows[1].Args = json.RawMessage(`{"amount":"4520"}`) }, false},
		{"changed time", func(m *memLog) { m.rows[3].Time = m.rows[3].Time.Add(time.Second) }, false},
		{"changed cost", func(m *memLog) { m.rows[0].Cost = "0" }, false},
		{"changed and rehashed", func(m *memLog) { m.rows[2].Outcome = "denied"; m.rows[2].Hash = Hash(&m.rows[2]) }, false},
		{"removed middle row", func(m *memLog) { m.rows = append(m.rows[:2], m.rows[3:]...) }, false},
		{"removed first row", func(m *memLog) { m.rows = m.rows[1:] }, false},
		{"removed and renumbered", func(m *memLog) {
			m.rows = append(m.rows[:2], m.rows[3:]...)
			for i := range m.rows {
				m.rows[i].Seq = int64(i + 1)
			}
		}, false},
		{"reordered rows", func(m *memLog) { m.rows[1], m.rows[2] = m.rows[2], m.rows[1] }, false},
		{"reordered with seq swapped back", func(m *memLog) {
			m.rows[1], m.rows[2] = m.rows[2], m.rows[1]
			m.rows[1].Seq, m.rows[2].Seq = 2, 3
		}, false},
		{"args re-encoded by database", func(m *memLog) {
			m.rows[1].Args = json.RawMessage(`{ "password": "[REDACTED]", "note": "key [REDACTED]", "amount": "45.20" }`)
		}, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := filled(t, 5)
			tt.tamper(m)
			n, err := Verify(context.Background(), m)
			if tt.ok && err != nil {
				t.Fatalf("Verify = %d, %v; want ok", n, err)
			}
			if !tt.ok && !errors.Is(err, ErrTampered) {
				t.Fatalf("Verify = %d, %v; want ErrTampered", n, err)
			}
			if tt.ok && n != 5 {
				t.Fatalf("checked %d rows, want 5", n)
			}
		})
	}
}

func TestRecordRedactsArgs(t *testing.T) {
	m := filled(t, 1)
	got := string(m.rows[0].Args)
	if strings.Contains(got, "sk-secret") || strings.Contains(got, "hunter22") {
		t.Fatalf("args not redacted: %s", got)
	}
	if !strings.Contains(got, `"amount":"45.20"`) {
		t.Fatalf("args lost data: %s", got)
	}
	if !m.rows[0].Time.Equal(fixedNow().Truncate(time.Microsecond)) {
		t.Fatalf("time = %v", m.rows[0].Time)
	}
}

func TestHashCoversEveryField(t *testing.T) {
	base := store.AuditRecord{Seq: 1, Time: fixedNow(), UserID: "u", RequestID: "r", Kind: "k", Action: "a",
		Args: json.RawMessage(`{"a":1}`), Outcome: "o", Error: "e", DurationMs: 3, Cost: "1", ClientAddr: "c", UserAgent: "ua", PrevHash: "p"}
	h := Hash(&base)
	muts := map[string]func(r *store.AuditRecord){
		"Seq": func(r *store.AuditRecord) { r.Seq++ }, "Time": func(r *store.AuditRecord) { r.Time = r.Time.Add(time.Microsecond) },
		"UserID": func(r *store.AuditRecord) { r.UserID = "x" }, "RequestID": func(r *store.AuditRecord) { r.RequestID = "x" },
		"Kind": func(r *store.AuditRecord) { r.Kind = "x" }, "Action": func(r *store.AuditRecord) { r.Action = "x" },
		"Args": func(r *store.AuditRecord) { r.Args = json.RawMessage(`{"a":2}`) }, "Outcome": func(r *store.AuditRecord) { r.Outcome = "x" },
		"Error": func(r *store.AuditRecord) { r.Error = "x" }, "DurationMs": func(r *store.AuditRecord) { r.DurationMs++ },
		"Cost": func(r *store.AuditRecord) { r.Cost = "2" }, "ClientAddr": func(r *store.AuditRecord) { r.ClientAddr = "x" },
		"UserAgent": func(r *store.AuditRecord) { r.UserAgent = "x" }, "PrevHash": func(r *store.AuditRecord) { r.PrevHash = "x" },
		// Field boundaries are length-prefixed: moving a byte between fields changes the hash.
		"boundary": func(r *store.AuditRecord) { r.UserID, r.RequestID = "ur", "" },
	}
	for name, mut := range muts {
		r := base
		mut(&r)
		if Hash(&r) == h {
			t.Errorf("changing %s does not change the hash", name)
		}
	}
	r := base
	r.Hash = "anything"
	if Hash(&r) != h {
		t.Error("Hash depends on the Hash field")
	}
	// The chain's hashes never change for a record already written.
	if want := "62d48a9efd503d69a0966e007d91bdd164d2f4b15d5c16bd44cb31e597f8625c"; h != want || hashRecorded(&base) != want {
		t.Errorf("hash %s (recorded %s), want %s as it always was", h, hashRecorded(&base), want)
	}
	if n := testing.AllocsPerRun(20, func() { hashRecorded(&base) }); n > 1 {
		t.Errorf("hashing a record: %v allocations, want 1 (its hex string)", n)
	}
}

func TestAlerts(t *testing.T) {
	now := fixedNow()
	clock := func() time.Time { return now }
	var got []Alert
	a := NewAlerter(AlertConfig{Now: clock, SpendingThreshold: decimal.RequireFromString("500")}, func(_ context.Context, al Alert) { got = append(got, al) })
	ctx := context.Background()
	for i := 0; i < 9; i++ {
		a.FailedLogin(ctx, "u1", "10.0.0.1")
	}
	if len(got) != 0 {
		t.Fatalf("alerted after 9 failures: %+v", got)
	}
	a.FailedLogin(ctx, "u2", "10.0.0.1") // tenth from the address, first for u2
	if len(got) != 1 || got[0].Key != "addr:10.0.0.1" || got[0].Count != 10 {
		t.Fatalf("alerts = %+v, want one for the address", got)
	}
	a.FailedLogin(ctx, "u1", "10.0.0.2") // tenth for u1
	if len(got) != 2 || got[1].Key != "account:u1" {
		t.Fatalf("alerts = %+v, want account alert", got)
	}
	a.FailedLogin(ctx, "u1", "10.0.0.1") // within cooldown: no repeat
	if len(got) != 2 {
		t.Fatalf("repeat alert within cooldown: %+v", got)
	}
	now = now.Add(10 * time.Minute) // window slid: counts start over
	a.FailedLogin(ctx, "u1", "10.0.0.1")
	if len(got) != 2 {
		t.Fatalf("alert after window slid: %+v", got)
	}

	got = nil
	a.SpendString(ctx, "u1", "300.00")
	a.Spend(ctx, "u1", decimal.RequireFromString("199.99"))
	if len(got) != 0 {
		t.Fatalf("spending alert below threshold: %+v", got)
	}
	a.SpendString(ctx, "u1", "0.01")
	if len(got) != 1 || got[0].Kind != AlertSpendingSpike || !got[0].Amount.Equal(decimal.RequireFromString("500")) {
		t.Fatalf("alerts = %+v, want spending spike of 500", got)
	}
	a.SpendString(ctx, "u1", "5.00") // within cooldown: no repeat
	if len(got) != 1 {
		t.Fatalf("repeat spending alert within cooldown: %+v", got)
	}
	if n := testing.AllocsPerRun(20, func() { a.shouldFire(AlertSpendingSpike, "u1", now, time.Hour) }); n != 0 {
		t.Errorf("an alert in its cooldown: %v allocations, want none", n)
	}
	now = now.Add(2 * time.Hour) // cooldown over: the spike alerts again
	a.SpendString(ctx, "u1", "600.00")
	if len(got) != 2 || got[1].Key != "u1" {
		t.Fatalf("alerts = %+v, want a second spending spike", got)
	}
}

func TestRecordFeedsAlerts(t *testing.T) {
	var got []Alert
	a := NewAlerter(AlertConfig{Now: fixedNow, FailedLogins: 3}, func(_ context.Context, al Alert) { got = append(got, al) })
	l := New(&memLog{}, nil, fixedNow).WithAlerts(a)
	for i := 0; i < 3; i++ {
		if err := l.Record(context.Background(), store.AuditRecord{Kind: KindSecurity, Action: ActionLogin, Outcome: OutcomeFailure, ClientAddr: "1.2.3.4"}); err != nil {
			t.Fatal(err)
		}
	}
	if len(got) != 1 || got[0].Key != "addr:1.2.3.4" {
		t.Fatalf("alerts = %+v", got)
	}
}

// The store's contract satisfies Appender and Scanner.
var (
	_ Appender = store.Store(nil)
	_ Scanner  = store.Store(nil)
)

func BenchmarkRecord(b *testing.B) {
	l := New(&memLog{}, nil, nil)
	r := store.AuditRecord{UserID: "u1", Kind: KindTool, Action: "create_expense", Args: json.RawMessage(`{"amount":"45.20","category":"fuel"}`), Outcome: OutcomeOK}
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Record(context.Background(), r); err != nil {
			b.Fatal(err)
		}
	}
}

// chainTip is an Appender keeping only the last hash, so a benchmark measures
// Record rather than a growing slice.
type chainTip struct {
	seq  int64
	last string
}

func (c *chainTip) AppendAudits(_ context.Context, rs []*store.AuditRecord, hash func(*store.AuditRecord) string) error {
	for _, r := range rs {
		c.seq++
		r.Seq, r.PrevHash = c.seq, c.last
		r.Hash = hash(r)
		c.last = r.Hash
	}
	return nil
}

// BenchmarkRecordToolCall records what one create_expense call writes: the
// tool's row and the ledger's calculation row, with a redactor on.
func BenchmarkRecordToolCall(b *testing.B) {
	l := New(&chainTip{}, func(s string) string {
		if strings.Contains(s, "sk-") {
			return "[REDACTED]"
		}
		return s
	}, nil)
	tool := store.AuditRecord{UserID: "u1", RequestID: "req-1", Kind: KindTool, Action: "create_expense", Outcome: OutcomeOK,
		Args:       json.RawMessage(`{"amount":"45.20","category":"fuel","date":"2026-05-01","description":"Diesel at the Shell in Tonopah","currency":"USD"}`),
		DurationMs: 3, Cost: "0.0012", ClientAddr: "127.0.0.1", UserAgent: "pam-bench"}
	calc := store.AuditRecord{UserID: "u1", RequestID: "req-1", Kind: KindMoney, Action: "create_expense", Outcome: OutcomeOK,
		Args: json.RawMessage(`{"inputs":{"amount":"45.20","currency":"USD"},"result":"45.20","tool":"create_expense"}`)}
	b.ReportAllocs()
	for b.Loop() {
		if err := l.Record(context.Background(), calc); err != nil {
			b.Fatal(err)
		}
		if err := l.Record(context.Background(), tool); err != nil {
			b.Fatal(err)
		}
	}
}

// TestSpendingThresholdAtAnyScale: the threshold compares by value whatever
// the decimal places of the spending and the threshold.
func TestSpendingThresholdAtAnyScale(t *testing.T) {
	for _, tc := range []struct {
		threshold string
		spends    []string
		alerts    bool
	}{
		{"500", []string{"499.99"}, false},
		{"500", []string{"499.99", "0.01"}, true},
		{"500", []string{"499.999", "0.0009"}, false},
		{"500", []string{"499.999", "0.001"}, true},
		{"500.005", []string{"500"}, false},
		{"500.005", []string{"500.01"}, true},
		{"5E2", []string{"250", "250.00"}, true},
		{"0.5", []string{"0.25", "0.2", "0.0499"}, false},
	} {
		fired := false
		a := NewAlerter(AlertConfig{Now: fixedNow, SpendingThreshold: decimal.RequireFromString(tc.threshold)}, func(context.Context, Alert) { fired = true })
		for _, s := range tc.spends {
			a.SpendString(context.Background(), "u1", s)
		}
		if fired != tc.alerts {
			t.Errorf("threshold %s, spending %v: alerted %v, want %v", tc.threshold, tc.spends, fired, tc.alerts)
		}
	}
}

// Spending that left the window no longer counts: the running total drops it.
func TestSpendingWindowSlides(t *testing.T) {
	now := fixedNow()
	var got []Alert
	a := NewAlerter(AlertConfig{Now: func() time.Time { return now }, SpendingThreshold: decimal.RequireFromString("500"), Cooldown: time.Nanosecond},
		func(_ context.Context, al Alert) { got = append(got, al) })
	ctx := context.Background()
	a.SpendString(ctx, "u1", "400.00")
	now = now.Add(40 * time.Minute)
	a.SpendString(ctx, "u1", "50.00")
	now = now.Add(30 * time.Minute) // the 400 is now older than the hour
	a.SpendString(ctx, "u1", "300.00")
	if len(got) != 0 {
		t.Fatalf("alerted on spending outside the window: %+v", got)
	}
	a.SpendString(ctx, "u1", "150.00") // 50 + 300 + 150 within the hour
	if len(got) != 1 || !got[0].Amount.Equal(decimal.RequireFromString("500")) || got[0].Count != 3 {
		t.Fatalf("alerts = %+v, want one for 500 over 3 events", got)
	}
}
