package storetest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

// testHash stands in for audit.Hash: it covers every field and PrevHash.
func testHash(r *store.AuditRecord) string {
	c := *r
	c.Hash = ""
	b, _ := json.Marshal(c)
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:])
}

// rawDB is implemented by stores that expose their SQL pool (sqlstore.Store),
// so the suite can check that the database itself forbids tampering.
type rawDB interface{ Writer() *sql.DB }

func testAudit(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	var appended []store.AuditRecord
	for i := range 5 {
		r := &store.AuditRecord{UserID: u.ID, RequestID: fmt.Sprint("req-", i), Kind: "tool", Action: "create_expense",
			Args: json.RawMessage(`{"amount":"5.00", "note":"x"}`), Outcome: "ok", DurationMs: int64(i), Cost: "0.0012",
			ClientAddr: "127.0.0.1", UserAgent: "test", Time: time.Now().Add(time.Duration(i) * time.Nanosecond)}
		must(t, s.AppendAudit(ctx, r, testHash))
		appended = append(appended, *r)
	}
	for i := 1; i < len(appended); i++ {
		if appended[i].Seq != appended[i-1].Seq+1 || appended[i].PrevHash != appended[i-1].Hash {
			t.Fatalf("record %d not chained: %+v after %+v", i, appended[i], appended[i-1])
		}
	}
	// Verification from storage: every stored row's hash recomputes, and chains.
	prev, n := "", 0
	var lastSeq int64
	must(t, s.ScanAudit(ctx, func(r *store.AuditRecord) error {
		n++
		if r.Seq != lastSeq+1 {
			return fmt.Errorf("seq %d after %d", r.Seq, lastSeq)
		}
		if r.PrevHash != prev {
			return fmt.Errorf("seq %d: prev_hash %s, want %s", r.Seq, r.PrevHash, prev)
		}
		if h := testHash(r); h != r.Hash {
			return fmt.Errorf("seq %d: stored row hashes to %s, stored hash %s (a field did not round-trip)", r.Seq, h, r.Hash)
		}
		prev, lastSeq = r.Hash, r.Seq
		return nil
	}))
	if n < 5 {
		t.Fatalf("ScanAudit saw %d rows, want at least 5", n)
	}
	stop := errors.New("stop")
	if err := s.ScanAudit(ctx, func(*store.AuditRecord) error { return stop }); !errors.Is(err, stop) {
		t.Errorf("ScanAudit did not return fn's error: %v", err)
	}
	list, next, err := s.ListAudit(ctx, store.Page{Limit: 2})
	must(t, err)
	if len(list) != 2 || list[0].Seq != lastSeq || list[1].Seq != lastSeq-1 || next == "" {
		t.Fatalf("ListAudit page 1 = %+v", list)
	}
	list2, _, err := s.ListAudit(ctx, store.Page{Limit: 2, Cursor: next})
	must(t, err)
	if len(list2) != 2 || list2[0].Seq != lastSeq-2 {
		t.Fatalf("ListAudit page 2 = %+v", list2)
	}

	raw, ok := s.(rawDB)
	if !ok {
		t.Log("store does not expose its database; tamper checks skipped")
		return
	}
	db := raw.Writer()
	for _, q := range []string{
		"UPDATE audit_log SET outcome = 'tampered'",
		"DELETE FROM audit_log",
	} {
		if _, err := db.ExecContext(ctx, q); err == nil {
			t.Errorf("%q succeeded; the audit log must be append-only", q)
		}
	}
	var outcome string
	must(t, db.QueryRowContext(context.Background(), "SELECT outcome FROM audit_log ORDER BY seq LIMIT 1").Scan(&outcome))
	if outcome == "tampered" {
		t.Error("audit row was changed")
	}
}

func testInTx(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	boom := errors.New("boom")
	var expID string
	err := s.InTx(ctx, func(tx store.Store) error {
		e := &store.Expense{UserID: u.ID, Amount: usd("9.99"), Category: "food", Date: "2026-01-01"}
		if err := tx.CreateExpense(ctx, e); err != nil {
			return err
		}
		expID = e.ID
		if _, err := tx.AppendEvent(ctx, u.ID, "message", frame); err != nil {
			return err
		}
		// Nested InTx joins the outer transaction: its writes roll back with it.
		if err := tx.InTx(ctx, func(inner store.Store) error {
			return inner.SetBudget(ctx, &store.Budget{UserID: u.ID, Category: "food", Period: "monthly", Amount: usd("10.00")})
		}); err != nil {
			return err
		}
		if bs, err := tx.ListBudgets(ctx, u.ID); err != nil || len(bs) != 1 {
			return fmt.Errorf("inside the transaction the nested write is not visible: %v %v", bs, err)
		}
		return boom
	})
	if !errors.Is(err, boom) {
		t.Fatalf("InTx returned %v, want fn's error", err)
	}
	_, err = s.ExpenseByID(ctx, u.ID, expID)
	wantNotFound(t, "expense after rollback", err)
	if n, _ := s.LastSeq(ctx, u.ID); n != 0 {
		t.Errorf("LastSeq after rollback = %d, want 0", n)
	}
	if bs, _ := s.ListBudgets(ctx, u.ID); len(bs) != 0 {
		t.Errorf("nested write survived the rollback: %+v", bs)
	}

	must(t, s.InTx(ctx, func(tx store.Store) error {
		return tx.CreateExpense(ctx, &store.Expense{UserID: u.ID, Amount: usd("1.00"), Category: "food", Date: "2026-01-01", ID: ""})
	}))
	if list, _, _ := s.ListExpenses(ctx, u.ID, store.ExpenseFilter{}, store.Page{}); len(list) != 1 {
		t.Errorf("committed InTx left %d expenses, want 1", len(list))
	}
}

// testAuditConcurrent: appends from many goroutines still form one gapless chain.
func testAuditConcurrent(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	const n = 20
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for i := range n {
		wg.Go(func() {
			errs <- s.AppendAudit(ctx, &store.AuditRecord{Kind: "tool", Action: fmt.Sprint("a", i), Outcome: "ok"}, testHash)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent AppendAudit: %v", err)
		}
	}
	prev, count := "", 0
	var last int64
	must(t, s.ScanAudit(ctx, func(r *store.AuditRecord) error {
		count++
		if r.Seq != last+1 || r.PrevHash != prev || testHash(r) != r.Hash {
			return fmt.Errorf("chain broken at seq %d (after %d)", r.Seq, last)
		}
		prev, last = r.Hash, r.Seq
		return nil
	}))
	if count < n {
		t.Errorf("chain has %d rows, want at least %d", count, n)
	}
}

// testAuditBatches: a batch is chained in order in one transaction, all or
// none, and concurrent batches and single appends still form one gapless chain
// with each batch's rows adjacent.
func testAuditBatches(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	must(t, s.AppendAudits(ctx, nil, testHash))
	first := &store.AuditRecord{Kind: "tool", Action: "single", Outcome: "ok"}
	must(t, s.AppendAudit(ctx, first, testHash))
	batch := auditBatch("calc", 3)
	must(t, s.AppendAudits(ctx, batch, testHash))
	prev := first
	for i, r := range batch {
		if r.Seq != prev.Seq+1 || r.PrevHash != prev.Hash || r.Hash != testHash(r) {
			t.Fatalf("batch row %d not chained after seq %d: %+v", i, prev.Seq, r)
		}
		prev = r
	}

	// More rows than one statement takes (the SQL store splits its INSERTs).
	big := make([]*store.AuditRecord, 40)
	for i := range big {
		big[i] = &store.AuditRecord{Kind: "tool", Action: fmt.Sprint("big", i), Outcome: "ok", Args: json.RawMessage(`{"n":1}`)}
	}
	must(t, s.AppendAudits(ctx, big, testHash))
	for i, r := range big {
		if r.Seq != prev.Seq+1 || r.PrevHash != prev.Hash {
			t.Fatalf("big batch row %d not chained after seq %d: %+v", i, prev.Seq, r)
		}
		prev = r
	}

	bad := auditBatch("bad", 2)
	bad[1].Args = json.RawMessage(`{"unclosed":`)
	if err := s.AppendAudits(ctx, bad, testHash); err == nil {
		t.Fatal("a batch with invalid JSON args was stored")
	}
	if bad[0].Seq != 0 || bad[0].Hash != "" {
		t.Errorf("a failed batch changed its records: %+v", bad[0])
	}

	var wg sync.WaitGroup
	errs := make(chan error, 20)
	for i := range 10 {
		wg.Go(func() { errs <- s.AppendAudits(ctx, auditBatch(fmt.Sprint("b", i), 3), testHash) })
		wg.Go(func() {
			errs <- s.AppendAudit(ctx, &store.AuditRecord{Kind: "tool", Action: fmt.Sprint("s", i), Outcome: "ok"}, testHash)
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("concurrent AppendAudits: %v", err)
		}
	}
	checkBatchChain(t, s)
}

// auditBatch returns n records of one batch: Action is name, Outcome counts 0..n-1.
func auditBatch(name string, n int) []*store.AuditRecord {
	rs := make([]*store.AuditRecord, n)
	for i := range rs {
		rs[i] = &store.AuditRecord{Kind: "money", Action: name, Args: json.RawMessage(`{"i":` + fmt.Sprint(i) + `}`), Outcome: fmt.Sprint(i)}
	}
	return rs
}

// checkBatchChain verifies the whole chain and that every batch's rows (kind
// money, Outcome "0", "1", "2") are adjacent and in order.
func checkBatchChain(t *testing.T, s store.Store) {
	t.Helper()
	prev, last := "", int64(0)
	var inBatch *store.AuditRecord // the batch's previous row while inside one
	must(t, s.ScanAudit(ctxT(t), func(r *store.AuditRecord) error {
		if r.Seq != last+1 || r.PrevHash != prev || testHash(r) != r.Hash {
			return fmt.Errorf("chain broken at seq %d (after %d)", r.Seq, last)
		}
		prev, last = r.Hash, r.Seq
		want := "0"
		if inBatch != nil {
			want = fmt.Sprint(inBatch.Outcome[0] - '0' + 1)
		}
		if (inBatch != nil || r.Kind == "money") && (r.Outcome != want || inBatch != nil && r.Action != inBatch.Action) {
			return fmt.Errorf("seq %d: %s/%s, want row %s of the batch", r.Seq, r.Action, r.Outcome, want)
		}
		inBatch = nil
		if r.Kind == "money" && r.Outcome != "2" {
			c := *r
			inBatch = &c
		}
		return nil
	}))
	if want := int64(1 + 3 + 40 + 10*4); last != want {
		t.Errorf("chain has %d rows, want %d", last, want)
	}
}
