// Package storage owns choosing and opening PAM's database from a URL:
// postgres:// or postgresql:// selects PostgreSQL, sqlite://path, file:path or
// a plain path selects SQLite. Migrations are applied on open.
package storage

import (
	"context"
	"fmt"
	"strings"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/postgres"
	"github.com/pamtravel/pam/internal/store/sqlite"
	"github.com/pamtravel/pam/internal/store/storage/sqlstore"
)

// Options tune the pool: MaxConns, MinConns, AcquireTimeout (default 30 s),
// MaxConnLifetime (1 h), SlowQuery (1 s; slower operations are logged with
// their duration) and Logger.
type Options = sqlstore.Options

// Kind names the database a URL selects.
type Kind string

// Kinds of database.
const (
	Postgres Kind = "postgres"
	SQLite   Kind = "sqlite"
)

// Parse tells which database url selects and returns what its driver takes:
// the URL itself for PostgreSQL, the file path for SQLite.
func Parse(url string) (Kind, string, error) {
	url = strings.TrimSpace(url)
	switch {
	case url == "":
		return "", "", fmt.Errorf("database url is empty")
	case strings.HasPrefix(url, "postgres://"), strings.HasPrefix(url, "postgresql://"):
		return Postgres, url, nil
	case strings.HasPrefix(url, "sqlite://"):
		return sqlitePath(strings.TrimPrefix(url, "sqlite://"))
	case strings.HasPrefix(url, "sqlite:"):
		return sqlitePath(strings.TrimPrefix(url, "sqlite:"))
	case strings.HasPrefix(url, "file:"):
		return sqlitePath(strings.TrimPrefix(url, "file:"))
	case strings.Contains(url, "://"):
		scheme, _, _ := strings.Cut(url, "://")
		return "", "", fmt.Errorf("database url: unknown scheme %q (want postgres://, sqlite:// or a file path)", scheme)
	}
	return sqlitePath(url)
}

func sqlitePath(p string) (Kind, string, error) {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		p = p[:i] // the store sets its own pragmas
	}
	if p == "" {
		return "", "", fmt.Errorf("database url: sqlite path is empty")
	}
	return SQLite, p, nil
}

// Open opens the database url selects, applies pending migrations and returns the store.
func Open(ctx context.Context, url string, opts Options) (store.Store, error) {
	kind, target, err := Parse(url)
	if err != nil {
		return nil, err
	}
	if kind == Postgres {
		return postgres.Open(ctx, target, opts)
	}
	return sqlite.Open(ctx, target, opts)
}

// Migrate applies pending migrations to the database at url (for `pam migrate`);
// the number applied is logged by the opener. Running it twice is harmless.
func Migrate(ctx context.Context, url string) error {
	s, err := Open(ctx, url, Options{MaxConns: 2})
	if err != nil {
		return fmt.Errorf("migrate: %w", err)
	}
	return s.Close()
}
