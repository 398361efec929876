// Package postgres owns PAM's production store: PostgreSQL through pgx v5's
// database/sql adapter, with a bounded pool, connection-error retries with
// backoff (never on constraint violations), and the shared queries of
// sqlstore. This package adds the dialect and the migrations, among them the
// triggers that make the audit log append-only.
package postgres

import (
	"context"
	"database/sql/driver"
	"embed"
	"errors"
	"fmt"
	"io"
	"net"
	"syscall"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pamtravel/pam/internal/store/storage/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// Pool defaults.
const (
	defaultMaxConns = 10
	retries         = 3
)

// Dialect is PostgreSQL's: $n placeholders, TIMESTAMPTZ, NUMERIC sums, table
// lock for the audit chain, advisory lock for migrations.
var Dialect = sqlstore.Dialect{
	Name:           "postgres",
	DollarParams:   true,
	Time:           sqlstore.PostgresTime,
	IsUnique:       isCode("23505"),
	IsForeignKey:   isCode("23503"),
	IsConnError:    isConnError,
	LockAudit:      "LOCK TABLE audit_log IN EXCLUSIVE MODE",
	LockMigrations: "SELECT pg_advisory_xact_lock(727001)",
	SQLSum:         true,
	Retries:        retries,
}

func isCode(code string) func(error) bool {
	return func(err error) bool {
		var e *pgconn.PgError
		return errors.As(err, &e) && e.Code == code
	}
}

// isConnError classifies connection failures; a server error (constraint,
// syntax…) is never one. safe means the statement surely was not sent.
func isConnError(err error) (conn, safe bool) {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		// 08xxx connection exceptions, 57P01-03 admin shutdown / cannot connect now.
		c := len(pgErr.Code) == 5 && (pgErr.Code[:2] == "08" || pgErr.Code == "57P01" || pgErr.Code == "57P02" || pgErr.Code == "57P03")
		return c, c && pgErr.Code == "57P03"
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) || errors.Is(err, driver.ErrBadConn) || pgconn.SafeToRetry(err) {
		return true, true
	}
	// A deadline or cancellation (a busy pool's acquire timeout, a turn's
	// deadline) says nothing about the server; context.DeadlineExceeded would
	// otherwise pass for a net.Error below.
	if errors.Is(err, context.DeadlineExceeded) || errors.Is(err, context.Canceled) {
		return false, false
	}
	var netErr net.Error
	if errors.As(err, &netErr) || errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ECONNRESET) || errors.Is(err, net.ErrClosed) {
		return true, false
	}
	return false, false
}

// connConfig parses url. Dialing a connection is bounded by the URL's
// connect_timeout or else AcquireTimeout: the store takes an idle
// connection without a timer of its own, and database/sql may replace one
// past its lifetime by dialing under the caller's context alone.
func connConfig(url string, o sqlstore.Options) (*pgx.ConnConfig, error) {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return nil, err
	}
	if cfg.ConnectTimeout <= 0 {
		cfg.ConnectTimeout = o.AcquireTimeout
	}
	return cfg, nil
}

// Open connects to the PostgreSQL database at url (postgres://…), applies the
// migrations and returns the store.
func Open(ctx context.Context, url string, o sqlstore.Options) (*sqlstore.Store, error) {
	o = o.WithDefaults()
	cfg, err := connConfig(url, o)
	if err != nil {
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	maxConns := o.MaxConns
	if maxConns <= 0 {
		maxConns = defaultMaxConns
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(max(maxConns/2, o.MinConns, 2))
	db.SetConnMaxLifetime(o.MaxConnLifetime)
	s := sqlstore.New(db, db, Dialect, o)
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open postgres: %w", err)
	}
	if err := warm(ctx, s, o.MinConns); err != nil {
		s.Close()
		return nil, err
	}
	if _, err := Migrate(ctx, s); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// warm opens MinConns connections up front so the first requests find them ready.
func warm(ctx context.Context, s *sqlstore.Store, n int) error {
	db := s.Writer()
	for i := 0; i < n; i++ {
		c, err := db.Conn(ctx)
		if err != nil {
			return fmt.Errorf("open postgres: warm pool: %w", err)
		}
		defer c.Close()
	}
	return nil
}

// Migrate applies the embedded migrations not yet applied; it returns how many it applied.
func Migrate(ctx context.Context, s *sqlstore.Store) (int, error) {
	ms, err := sqlstore.LoadMigrations(migrations, "migrations")
	if err != nil {
		return 0, err
	}
	return s.Migrate(ctx, ms, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL)`)
}
