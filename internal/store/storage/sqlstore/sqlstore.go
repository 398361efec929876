// Package sqlstore owns the one SQL implementation of store.Store shared by the
// SQLite and PostgreSQL repositories. The two differ only in their Dialect
// (placeholders, time encoding, error classification, locking) and their
// migrations; every query, scope check and invariant lives here once, so both
// databases behave identically.
package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"sync"
	"time"

	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// Options tune a connection pool. Zero values take the defaults.
type Options struct {
	MaxConns        int           // open connections at most (PostgreSQL 10, SQLite readers 4)
	MinConns        int           // connections opened at start and kept idle (PostgreSQL)
	AcquireTimeout  time.Duration // waiting for a free connection, default 30 s
	MaxConnLifetime time.Duration // a connection is replaced after this, default 1 h
	SlowQuery       time.Duration // operations slower than this are logged, default 1 s
	Logger          *slog.Logger  // default slog.Default()
}

// WithDefaults returns o with its zero fields set to the defaults.
func (o Options) WithDefaults() Options {
	if o.AcquireTimeout <= 0 {
		o.AcquireTimeout = 30 * time.Second
	}
	if o.MaxConnLifetime <= 0 {
		o.MaxConnLifetime = time.Hour
	}
	if o.SlowQuery <= 0 {
		o.SlowQuery = time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// Dialect is what differs between the databases.
type Dialect struct {
	Name string
	// DollarParams rewrites the "?" placeholders of the shared queries to $1, $2, ….
	DollarParams bool
	// Time encodes an instant for a bound parameter.
	Time func(t time.Time) any
	// Pointers, when set, says the driver binds a *json.RawMessage as text
	// and a *time.Time as Time would encode the time (NULL when nil): a field
	// of a record on the heap then binds with no copy and no boxing.
	// Otherwise the store converts it.
	Pointers bool
	// IsUnique reports a uniqueness violation; IsForeignKey a missing referenced row.
	IsUnique     func(err error) bool
	IsForeignKey func(err error) bool
	// IsConnError reports a broken or refused connection. safe says the
	// statement certainly did not reach the server, so even a write may be retried.
	IsConnError func(err error) (conn, safe bool)
	// LockAudit and LockMigrations are statements run first in the transaction
	// that appends an audit row / applies a migration ("" when the single writer
	// connection already serializes them).
	LockAudit      string
	LockMigrations string
	// SQLSum lets the database total amounts (exact NUMERIC); otherwise the
	// rows are summed in Go with decimal.
	SQLSum bool
	// Retries is how many times an operation failing on a connection error is retried.
	Retries int
}

// querier is what *sql.Conn and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

// db is the shared state behind a Store and the Stores bound to its transactions.
type db struct {
	reader, writer *sql.DB
	gates          map[*sql.DB]gate // admission to each pool (acquire.go)
	d              Dialect
	o              Options
	rebound        sync.Map // query → rebound query
}

// Store implements store.Store over database/sql.
type Store struct {
	db *db
	tx *txn // set inside InTx
}

var _ store.Store = (*Store)(nil)

// New returns a Store reading through reader and writing through writer (the
// same pool for PostgreSQL; SQLite gives a one-connection writer so writes are
// serialized instead of failing with SQLITE_BUSY). The Store owns both pools.
func New(reader, writer *sql.DB, d Dialect, o Options) *Store {
	return &Store{db: &db{reader: reader, writer: writer, d: d, o: o.WithDefaults(),
		gates: map[*sql.DB]gate{reader: newGate(reader), writer: newGate(writer)}}}
}

// Writer returns the writing pool, for migrations and tests.
func (s *Store) Writer() *sql.DB { return s.db.writer }

// Stats reports the writing pool's connection statistics (the whole pool on
// PostgreSQL) for metrics and readiness: open, in use, waits and wait time.
func (s *Store) Stats() sql.DBStats { return s.db.writer.Stats() }

// Close closes the pools.
func (s *Store) Close() error {
	if s.tx != nil {
		return errors.New("close: called inside a transaction")
	}
	err := s.db.writer.Close()
	if s.db.reader != s.db.writer {
		err = errors.Join(err, s.db.reader.Close())
	}
	return err
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	return s.read(ctx, "ping", func(q querier) error {
		var one int
		return s.row(ctx, q, "SELECT 1").Scan(&one)
	})
}

// InTx runs fn in one transaction; inside a transaction it reuses it.
func (s *Store) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	if s.tx != nil {
		return fn(s)
	}
	if tx := s.joined(ctx); tx != nil {
		return fn(&Store{db: s.db, tx: tx})
	}
	return s.db.run(ctx, "tx", s.db.writer, true, false, func(q querier) error {
		ts := &txStore{txn: txn{Tx: q.(*sql.Tx)}}
		ts.Store = Store{db: s.db, tx: &ts.txn}
		return fn(&ts.Store)
	})
}

// txStore is a Store bound to the transaction it opened, in one allocation.
type txStore struct {
	Store
	txn txn
}

// InTxContext runs fn in one transaction that the operations made with fn's
// ctx join (inside one already, fn joins it).
func (s *Store) InTxContext(ctx context.Context, fn func(ctx context.Context) error) error {
	if s.tx != nil {
		return fn(context.WithValue(ctx, ambientKey{}, &ambient{db: s.db, tx: s.tx}))
	}
	if s.joined(ctx) != nil {
		return fn(ctx)
	}
	return s.db.run(ctx, "tx", s.db.writer, true, false, func(q querier) error {
		a := &ambient{db: s.db, own: txn{Tx: q.(*sql.Tx)}}
		a.tx = &a.own
		return fn(context.WithValue(ctx, ambientKey{}, a))
	})
}

// ambient is the transaction InTxContext opened, carried by its ctx.
type ambient struct {
	db  *db
	tx  *txn
	own txn // tx, when InTxContext opened it
}

type ambientKey struct{}

// bound returns the transaction an operation runs in: the Store's own, or
// the one ctx carries for this database; nil for none.
func (s *Store) bound(ctx context.Context) *txn {
	if s.tx != nil {
		return s.tx
	}
	return s.joined(ctx)
}

func (s *Store) joined(ctx context.Context) *txn {
	if a, ok := ctx.Value(ambientKey{}).(*ambient); ok && a.db == s.db {
		return a.tx
	}
	return nil
}

// read runs fn on a reading connection (or the open transaction).
func (s *Store) read(ctx context.Context, op string, fn func(q querier) error) error {
	if tx := s.bound(ctx); tx != nil {
		return fn(tx)
	}
	return s.db.run(ctx, op, s.db.reader, false, true, fn)
}

// write runs fn, a single statement, on the writing connection.
func (s *Store) write(ctx context.Context, op string, fn func(q querier) error) error {
	if tx := s.bound(ctx); tx != nil {
		return fn(tx)
	}
	return s.db.run(ctx, op, s.db.writer, false, false, fn)
}

// writeTx runs fn, several statements, in a transaction (or the open one).
func (s *Store) writeTx(ctx context.Context, op string, fn func(q querier) error) error {
	if tx := s.bound(ctx); tx != nil {
		return fn(tx)
	}
	return s.db.run(ctx, op, s.db.writer, true, false, fn)
}

// run acquires a connection within AcquireTimeout, runs fn (in a transaction
// when inTx), retries with backoff on connection errors only, and logs the
// operation when it is slower than SlowQuery.
func (d *db) run(ctx context.Context, op string, pool *sql.DB, inTx, idempotent bool, fn func(q querier) error) (err error) {
	ctx, span := d.startSpan(ctx, op)
	defer func() {
		if err != nil {
			span.RecordError(err)
			span.SetStatus(codes.Error, "store operation failed")
		}
		span.End()
	}()
	start := time.Now()
	for attempt := 0; ; attempt++ {
		err = d.once(ctx, pool, inTx, fn)
		if err == nil || attempt >= d.d.Retries || ctx.Err() != nil {
			break
		}
		conn, safe := d.d.IsConnError(err)
		if !conn || (!safe && !idempotent) {
			break
		}
		backoff := time.Duration(100<<attempt) * time.Millisecond
		d.o.Logger.WarnContext(ctx, "database connection error, retrying",
			"op", op, "attempt", attempt+1, "backoff", backoff, "err", err)
		t := time.NewTimer(backoff)
		select {
		case <-ctx.Done():
			t.Stop()
		case <-t.C:
		}
	}
	if el := time.Since(start); el > d.o.SlowQuery {
		d.o.Logger.WarnContext(ctx, "slow query", "db", d.d.Name, "op", op, "duration", el, "duration_ms", el.Milliseconds())
	}
	if err != nil {
		if c, _ := d.d.IsConnError(err); c {
			e := pamerr.Wrap(&opError{op, err}, pamerr.Maintenance, "the database is unavailable")
			e.RetryAfter = unavailableRetryAfter
			return e
		}
		return &opError{op, err}
	}
	return nil
}

// opError is "op: err", formatted only when printed. Some errors are
// expected outcomes on hot paths (not found, on the idempotency lookup of
// every new turn), so wrapping costs one small allocation, not fmt's work.
type opError struct {
	op  string
	err error
}

func (e *opError) Error() string { return e.op + ": " + e.err.Error() }
func (e *opError) Unwrap() error { return e.err }

// startSpan starts the operation's span under the caller's (turn → model →
// tool → database). Without a recording parent span it starts none: tracing
// is off, or the trace is not sampled, and the span would be dropped anyway
// after costing a handful of allocations per operation.
func (d *db) startSpan(ctx context.Context, op string) (context.Context, trace.Span) {
	if !trace.SpanFromContext(ctx).IsRecording() {
		return ctx, noop.Span{}
	}
	return otel.Tracer("github.com/pamtravel/pam/store").Start(ctx, "db "+op,
		trace.WithSpanKind(trace.SpanKindClient), trace.WithAttributes(attribute.String("db.system", d.d.Name)))
}

// unavailableRetryAfter is the Retry-After suggested when the database is down or its pool is exhausted.
const unavailableRetryAfter = 5 * time.Second

func (d *db) once(ctx context.Context, pool *sql.DB, inTx bool, fn func(q querier) error) (err error) {
	conn, g, err := d.acquire(ctx, pool)
	if err != nil {
		return err
	}
	defer g.leave() // after the connection is back in the pool
	defer func() { err = errors.Join(err, ignoreDone(conn.Close())) }()
	if !inTx {
		return fn(conn)
	}
	tx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin: %w", err)
	}
	defer func() {
		if p := recover(); p != nil {
			_ = tx.Rollback()
			panic(p)
		}
	}()
	if err := fn(tx); err != nil {
		return errors.Join(err, ignoreDone(tx.Rollback()))
	}
	if err := tx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	return nil
}

func ignoreDone(err error) error {
	if errors.Is(err, sql.ErrTxDone) || errors.Is(err, sql.ErrConnDone) {
		return nil
	}
	return err
}

// q rewrites placeholders for the dialect, caching the result.
func (d *db) q(query string) string {
	if !d.d.DollarParams {
		return query
	}
	if v, ok := d.rebound.Load(query); ok {
		return v.(string)
	}
	var b strings.Builder
	n := 0
	inStr := false
	for i := 0; i < len(query); i++ {
		c := query[i]
		switch {
		case c == '\'':
			inStr = !inStr
			b.WriteByte(c)
		case c == '?' && !inStr:
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
		default:
			b.WriteByte(c)
		}
	}
	out := b.String()
	d.rebound.Store(query, out)
	return out
}

func (s *Store) exec(ctx context.Context, q querier, query string, args ...any) (int64, error) {
	var res sql.Result
	var err error
	// Calls on the concrete types keep args, which database/sql only reads,
	// off the heap: through the interface every statement allocated them.
	switch q := q.(type) {
	case *txn:
		res, err = q.Tx.ExecContext(ctx, s.db.q(query), args...)
	case *sql.Tx:
		res, err = q.ExecContext(ctx, s.db.q(query), args...)
	case *sql.Conn:
		res, err = q.ExecContext(ctx, s.db.q(query), args...)
	default:
		return 0, unknownQuerier(q)
	}
	if err != nil {
		return 0, s.classify(err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("rows affected: %w", err)
	}
	return n, nil
}

func (s *Store) query(ctx context.Context, q querier, query string, args ...any) (*sql.Rows, error) {
	var rows *sql.Rows
	var err error
	switch q := q.(type) { // see exec
	case *txn:
		rows, err = q.Tx.QueryContext(ctx, s.db.q(query), args...)
	case *sql.Tx:
		rows, err = q.QueryContext(ctx, s.db.q(query), args...)
	case *sql.Conn:
		rows, err = q.QueryContext(ctx, s.db.q(query), args...)
	default:
		return nil, unknownQuerier(q)
	}
	if err != nil {
		return nil, s.classify(err)
	}
	return rows, nil
}

func (s *Store) row(ctx context.Context, q querier, query string, args ...any) *sql.Row {
	switch q := q.(type) { // see exec
	case *txn:
		return q.Tx.QueryRowContext(ctx, s.db.q(query), args...)
	case *sql.Tx:
		return q.QueryRowContext(ctx, s.db.q(query), args...)
	case *sql.Conn:
		return q.QueryRowContext(ctx, s.db.q(query), args...)
	default:
		panic(unknownQuerier(q)) // a *sql.Row cannot carry an error of ours
	}
}

// unknownQuerier reports a querier none of exec, query and row call
// directly: a programming error, as run and bound give only those.
func unknownQuerier(q querier) error {
	return fmt.Errorf("sqlstore: unexpected querier %T", q)
}

// classify wraps a uniqueness violation as store.ErrConflict.
func (s *Store) classify(err error) error {
	if err != nil && s.db.d.IsUnique(err) {
		return fmt.Errorf("%w: %w", store.ErrConflict, err)
	}
	return err
}

// scanErr turns sql.ErrNoRows into store.ErrNotFound naming what was missing.
func (s *Store) scanErr(what string, err error) error {
	if errors.Is(err, sql.ErrNoRows) {
		return notFound(what)
	}
	return s.classify(err)
}

// fkAsNotFound reports a foreign-key violation as what being not found.
func (s *Store) fkAsNotFound(what string, err error) error {
	if err != nil && s.db.d.IsForeignKey(err) {
		return fmt.Errorf("%s: %w: %w", what, store.ErrNotFound, err)
	}
	return err
}

func (s *Store) ts(t time.Time) any { return s.db.d.Time(t.UTC().Truncate(time.Microsecond)) }

// tsField binds the time field *t of a record on the heap: through its
// pointer when the dialect's driver takes one (Dialect.Pointers), else as ts.
func (s *Store) tsField(t *time.Time) any {
	if s.db.d.Pointers {
		return t
	}
	return s.ts(*t)
}

func (s *Store) nullTS(t *time.Time) any {
	if t == nil {
		return nil
	}
	return s.ts(*t)
}

func notFound(what string) error { return &opError{what, store.ErrNotFound} }

// collect scans every row with scan and closes rows.
func collect[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	return collectTo(rows, func(r *sql.Rows, v *T) (err error) {
		*v, err = scan(r)
		return err
	})
}

// collectTo scans every row with scan straight into the slice it returns,
// and closes rows: a row costs no value of its own to scan into and copy.
func collectTo[T any](rows *sql.Rows, scan func(r *sql.Rows, v *T) error) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		var zero T
		out = append(out, zero)
		if err := scan(rows, &out[len(out)-1]); err != nil {
			return nil, err
		}
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	return out, nil
}
