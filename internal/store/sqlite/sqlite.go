// Package sqlite owns PAM's default store: a SQLite file through PAM's own
// database/sql driver on the pure-Go (transpiled) SQLite of
// modernc.org/sqlite/lib, in WAL mode with foreign keys on. Writes go through
// one connection (so concurrent writers queue instead of failing with
// SQLITE_BUSY); reads use a pool of read-only connections. The queries are the
// shared ones of sqlstore; this package adds the dialect and the migrations.
package sqlite

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"os"
	"path/filepath"
	"time"

	sqlite3 "modernc.org/sqlite/lib"

	"github.com/pamtravel/pam/internal/store/storage/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// busyTimeoutMs is how long a connection waits for another process's lock
// (e.g. `pam migrate` while a server runs) before SQLITE_BUSY.
const busyTimeoutMs = 5000

// defaultReaders is the read pool size when Options.MaxConns is 0.
const defaultReaders = 4

// Dialect is SQLite's: "?" placeholders, text times, sums in Go.
var Dialect = sqlstore.Dialect{
	Name:         "sqlite",
	Time:         bindTime,
	Pointers:     true,
	IsUnique:     isCode(sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY),
	IsForeignKey: isCode(sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY),
	IsConnError:  func(error) (bool, bool) { return false, false },
}

// bindTime passes t to the driver as it is: the driver writes it in
// sqlstore.SQLiteLayout's fixed-width UTC text (stmt.go) straight
// into SQLite's buffer, where formatting it here would cost a string per
// time bound (about ten in a chat turn).
func bindTime(t time.Time) any { return t }

// Open opens (creating if needed) the SQLite database at path, applies the
// migrations and returns the store. path ":memory:" gives a private in-memory
// database on a single connection.
func Open(ctx context.Context, path string, o sqlstore.Options) (*sqlstore.Store, error) {
	o = o.WithDefaults()
	var reader, writer *sql.DB
	if path == ":memory:" {
		writer = openDB(newConfig(":memory:", false))
		writer.SetMaxOpenConns(1)
		writer.SetConnMaxLifetime(0)
		reader = writer
	} else {
		if dir := filepath.Dir(path); dir != "" {
			if err := os.MkdirAll(dir, 0o700); err != nil {
				return nil, fmt.Errorf("open sqlite: create directory: %w", err)
			}
		}
		writer = openDB(newConfig(path, false))
		writer.SetMaxOpenConns(1)
		writer.SetMaxIdleConns(1)
		writer.SetConnMaxLifetime(o.MaxConnLifetime)
		reader = openDB(newConfig(path, true))
		n := o.MaxConns
		if n <= 0 {
			n = defaultReaders
		}
		reader.SetMaxOpenConns(n)
		reader.SetMaxIdleConns(n)
		reader.SetConnMaxLifetime(o.MaxConnLifetime)
	}
	s := sqlstore.New(reader, writer, Dialect, o)
	if _, err := Migrate(ctx, s); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// openDB opens a pool of connections configured by cfg (connections open,
// and fail, when first used).
func openDB(cfg config) *sql.DB { return sql.OpenDB(&connector{cfg}) }

// newConfig configures a connection: WAL, foreign keys, busy timeout; a
// reading connection is query_only, the writing one begins its
// transactions IMMEDIATE (see conn.BeginTx).
func newConfig(path string, readOnly bool) config {
	cfg := config{path: path, readOnly: readOnly, pragmas: []string{
		fmt.Sprintf("busy_timeout = %d", busyTimeoutMs), // first: the others may wait for a lock
		"foreign_keys = 1",
	}}
	if path != ":memory:" {
		cfg.pragmas = append(cfg.pragmas, "journal_mode = WAL", "synchronous = NORMAL")
	}
	if readOnly {
		cfg.pragmas = append(cfg.pragmas, "query_only = 1")
	}
	return cfg
}

// Migrate applies the embedded migrations not yet applied; it returns how many it applied.
func Migrate(ctx context.Context, s *sqlstore.Store) (int, error) {
	ms, err := sqlstore.LoadMigrations(migrations, "migrations")
	if err != nil {
		return 0, err
	}
	return s.Migrate(ctx, ms, `CREATE TABLE IF NOT EXISTS schema_migrations (
		version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)`)
}
