package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

const auditCols = "seq, time, user_id, request_id, kind, action, args, outcome, error, duration_ms, cost, client_addr, user_agent, prev_hash, hash"

func scanAudit(r scanner) (store.AuditRecord, error) {
	var a store.AuditRecord
	err := r.Scan(&a.Seq, timeScan{&a.Time}, &a.UserID, &a.RequestID, &a.Kind, &a.Action, jsonScan{&a.Args}, &a.Outcome, &a.Error,
		&a.DurationMs, &a.Cost, &a.ClientAddr, &a.UserAgent, &a.PrevHash, &a.Hash)
	return a, err
}

// AppendAudit chains r to the last row and stores it (see AppendAudits).
func (s *Store) AppendAudit(ctx context.Context, r *store.AuditRecord, hash func(r *store.AuditRecord) string) error {
	return s.AppendAudits(ctx, []*store.AuditRecord{r}, hash)
}

// AppendAudits chains rs, in order, to the last row and stores them in one
// transaction. Appends are serialized (a table lock on PostgreSQL, the single
// writer on SQLite), so Seq has no gaps and PrevHash is always the previous
// row's Hash. The records are updated only when all of them are stored.
func (s *Store) AppendAudits(ctx context.Context, rs []*store.AuditRecord, hash func(r *store.AuditRecord) string) error {
	if hash == nil {
		return fmt.Errorf("append audit: no hash function")
	}
	recs := make([]store.AuditRecord, len(rs))
	for i, r := range rs {
		if err := checkJSON("args", r.Args); err != nil {
			return err
		}
		recs[i] = *r
		recs[i].Hash = ""
		if recs[i].Time.IsZero() {
			recs[i].Time = time.Now()
		}
		recs[i].Time = recs[i].Time.UTC().Truncate(time.Microsecond)
	}
	if len(recs) == 0 {
		return nil
	}
	err := s.writeTx(ctx, "append audit", func(q querier) error { return s.chainAudit(ctx, q, recs, hash) })
	if err != nil {
		return err
	}
	for i, r := range rs {
		*r = recs[i]
	}
	return nil
}

// chainAudit appends recs (at least one) after the last row inside the
// caller's transaction.
func (s *Store) chainAudit(ctx context.Context, q querier, recs []store.AuditRecord, hash func(r *store.AuditRecord) string) error {
	if s.db.d.LockAudit != "" {
		if _, err := s.exec(ctx, q, s.db.d.LockAudit); err != nil {
			return err
		}
	}
	// The last row is read into the first record, already on the heap, so
	// the scan destinations cost nothing more.
	first := &recs[0]
	first.Seq, first.PrevHash = 0, ""
	err := s.row(ctx, q, "SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1").Scan(&first.Seq, &first.PrevHash)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	last, prev := first.Seq, first.PrevHash
	for i := range recs {
		rec := &recs[i]
		rec.Seq, rec.PrevHash = last+1+int64(i), prev
		rec.Hash = hash(rec)
		prev = rec.Hash
	}
	return s.insertAudit(ctx, q, recs)
}

// auditColCount is how many columns auditCols names.
const auditColCount = 15

// auditInsertRows bounds the rows of one INSERT: each distinct statement is
// kept rebound for PostgreSQL, and a tool call rarely writes more rows.
const auditInsertRows = 16

// auditInserts[n] inserts n rows.
var auditInserts = func() (out [auditInsertRows + 1]string) {
	const row = "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)"
	for n := 1; n <= auditInsertRows; n++ {
		out[n] = "INSERT INTO audit_log (" + auditCols + ") VALUES " + strings.Repeat(row+", ", n-1) + row
	}
	return out
}()

// insertAudit stores recs with as few statements as it can: on PostgreSQL
// each is a round trip made while the audit table is locked.
func (s *Store) insertAudit(ctx context.Context, q querier, recs []store.AuditRecord) error {
	var buf [auditColCount * auditInsertRows]any // exec keeps no args: on the stack
	for len(recs) > 0 {
		n := min(len(recs), auditInsertRows)
		args := buf[:0]
		for i := range recs[:n] {
			rec := &recs[i]
			// The records' fields bind through pointers: no boxing.
			args = append(args, &rec.Seq, s.tsField(&rec.Time), &rec.UserID, &rec.RequestID, &rec.Kind, &rec.Action, s.json(&rec.Args), &rec.Outcome,
				&rec.Error, &rec.DurationMs, &rec.Cost, &rec.ClientAddr, &rec.UserAgent, &rec.PrevHash, &rec.Hash)
		}
		if _, err := s.exec(ctx, q, auditInserts[n], args...); err != nil {
			return err
		}
		recs = recs[n:]
	}
	return nil
}

// ListAudit lists audit rows, newest first.
func (s *Store) ListAudit(ctx context.Context, p store.Page) ([]store.AuditRecord, string, error) {
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	var before int64
	if after != "" {
		if _, err := parseSeqCursor(after, &before); err != nil {
			return nil, "", err
		}
	}
	n := limit(p.Limit)
	out, err := getAll(ctx, s, "list audit", scanAudit,
		"SELECT "+auditCols+" FROM audit_log WHERE (? = 0 OR seq < ?) ORDER BY seq DESC LIMIT ?", before, before, n+1)
	if err != nil {
		return nil, "", err
	}
	out, next := pageOf(out, n, func(a *store.AuditRecord) string { return itoa(a.Seq) })
	return out, next, nil
}

// auditScanBatch is how many rows ScanAudit reads per query, so fn never runs
// while a cursor holds a connection busy for the whole log.
const auditScanBatch = 500

// ScanAudit calls fn for every row, oldest first, stopping at fn's first error.
func (s *Store) ScanAudit(ctx context.Context, fn func(r *store.AuditRecord) error) error {
	var after int64
	for {
		batch, err := getAll(ctx, s, "scan audit", scanAudit,
			"SELECT "+auditCols+" FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?", after, auditScanBatch)
		if err != nil {
			return err
		}
		for i := range batch {
			if err := fn(&batch[i]); err != nil {
				return err
			}
		}
		if len(batch) < auditScanBatch {
			return nil
		}
		after = batch[len(batch)-1].Seq
	}
}
