package sqlstore

import (
	"context"

	"github.com/pamtravel/pam/internal/store"
)

// scanner is a *sql.Row or *sql.Rows.
type scanner interface{ Scan(dest ...any) error }

// getOne reads the single row of query; no row is ErrNotFound naming what.
func getOne[T any](ctx context.Context, s *Store, op, what string, scan func(scanner) (T, error), query string, args ...any) (*T, error) {
	var v T
	err := s.read(ctx, op, func(q querier) error {
		var err error
		v, err = scan(s.row(ctx, q, query, args...))
		return s.scanErr(what, err)
	})
	if err != nil {
		return nil, err
	}
	return &v, nil
}

// getAll reads every row of query.
func getAll[T any](ctx context.Context, s *Store, op string, scan func(scanner) (T, error), query string, args ...any) ([]T, error) {
	var out []T
	err := s.read(ctx, op, func(q querier) error {
		rows, err := s.query(ctx, q, query, args...)
		if err != nil {
			return err
		}
		out, err = collect(rows, scan)
		return err
	})
	return out, err
}

// getPage reads one page of "selectFrom WHERE where" ordered by id (newest
// first, or oldest first), continuing after p.Cursor, and returns the next cursor.
func getPage[T any](ctx context.Context, s *Store, op string, p store.Page, newestFirst bool, scan func(scanner) (T, error),
	id func(*T) string, selectFrom, where string, args ...any) ([]T, string, error) {
	after, err := decodeCursor(p.Cursor)
	if err != nil {
		return nil, "", err
	}
	n := limit(p.Limit)
	if where == "" {
		where = "1 = 1"
	}
	query := selectFrom + " WHERE " + where
	cmp, order := " AND id < ?", " ORDER BY id DESC"
	if !newestFirst {
		cmp, order = " AND id > ?", " ORDER BY id"
	}
	if after != "" {
		query += cmp
		args = append(args, after)
	}
	out, err := getAll(ctx, s, op, scan, query+order+" LIMIT ?", append(args, n+1)...)
	if err != nil {
		return nil, "", err
	}
	out, next := pageOf(out, n, id)
	return out, next, nil
}
