package sqlstore

import (
	"context"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Migration is one versioned schema change.
type Migration struct {
	Version int
	Name    string
	SQL     string
}

// LoadMigrations reads NNN_name.sql files from dir in fsys, ordered by version.
func LoadMigrations(fsys fs.FS, dir string) ([]Migration, error) {
	entries, err := fs.ReadDir(fsys, dir)
	if err != nil {
		return nil, fmt.Errorf("read migrations: %w", err)
	}
	var out []Migration
	seen := map[int]string{}
	for _, e := range entries {
		name := e.Name()
		if e.IsDir() || !strings.HasSuffix(name, ".sql") {
			continue
		}
		num, _, ok := strings.Cut(name, "_")
		v, err := strconv.Atoi(num)
		if !ok || err != nil || v <= 0 {
			return nil, fmt.Errorf("migration %s: name must be NNN_name.sql", name)
		}
		if prev, dup := seen[v]; dup {
			return nil, fmt.Errorf("migrations %s and %s share version %d", prev, name, v)
		}
		seen[v] = name
		b, err := fs.ReadFile(fsys, path.Join(dir, name))
		if err != nil {
			return nil, fmt.Errorf("read migration %s: %w", name, err)
		}
		out = append(out, Migration{Version: v, Name: name, SQL: string(b)})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Version < out[j].Version })
	return out, nil
}

// Migrate applies the migrations not yet recorded in schema_migrations, each in
// its own transaction, and returns how many it applied. Running it again (or on
// several instances at once) applies nothing twice.
func (s *Store) Migrate(ctx context.Context, ms []Migration, createTable string) (int, error) {
	if err := s.writeTx(ctx, "migrate: schema_migrations", func(q querier) error {
		if err := s.lockMigrations(ctx, q); err != nil {
			return err
		}
		_, err := s.exec(ctx, q, createTable)
		return err
	}); err != nil {
		return 0, err
	}
	applied := 0
	for _, m := range ms {
		err := s.writeTx(ctx, "migrate: "+m.Name, func(q querier) error {
			if err := s.lockMigrations(ctx, q); err != nil {
				return err
			}
			var n int
			if err := s.row(ctx, q, "SELECT COUNT(*) FROM schema_migrations WHERE version = ?", m.Version).Scan(&n); err != nil {
				return fmt.Errorf("check version: %w", err)
			}
			if n > 0 {
				return nil
			}
			if _, err := q.ExecContext(ctx, m.SQL); err != nil {
				return fmt.Errorf("apply: %w", err)
			}
			if _, err := s.exec(ctx, q, "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
				m.Version, m.Name, s.ts(now())); err != nil {
				return fmt.Errorf("record version: %w", err)
			}
			applied++
			return nil
		})
		if err != nil {
			return applied, err
		}
	}
	if applied > 0 {
		s.db.o.Logger.InfoContext(ctx, "database migrated", "db", s.db.d.Name, "applied", applied)
	}
	return applied, nil
}

// SchemaVersion returns the newest applied migration, 0 for none.
func (s *Store) SchemaVersion(ctx context.Context) (int, error) {
	var v int
	err := s.read(ctx, "schema version", func(q querier) error {
		return s.row(ctx, q, "SELECT COALESCE(MAX(version), 0) FROM schema_migrations").Scan(&v)
	})
	return v, err
}

// lockMigrations serializes migrating instances (PostgreSQL advisory lock,
// released at the end of the transaction).
func (s *Store) lockMigrations(ctx context.Context, q querier) error {
	if s.db.d.LockMigrations == "" {
		return nil
	}
	if _, err := s.exec(ctx, q, s.db.d.LockMigrations); err != nil {
		return fmt.Errorf("lock migrations: %w", err)
	}
	return nil
}
