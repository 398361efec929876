package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5/stdlib"

	"github.com/pamtravel/pam/internal/store/storage/sqlstore"
)

// OpenReplica connects to a read replica at url for read-only queries
// (history, summaries). It applies no migrations — the primary's reach the
// replica by replication — and a write through it fails as the server
// refuses it. The pool is sized like the primary's.
func OpenReplica(ctx context.Context, url string, o sqlstore.Options) (*sqlstore.Store, error) {
	o = o.WithDefaults()
	cfg, err := connConfig(url, o)
	if err != nil {
		return nil, fmt.Errorf("open replica: %w", err)
	}
	db := stdlib.OpenDB(*cfg)
	maxConns := o.MaxConns
	if maxConns <= 0 {
		maxConns = defaultMaxConns
	}
	db.SetMaxOpenConns(maxConns)
	db.SetMaxIdleConns(max(maxConns/2, 2))
	db.SetConnMaxLifetime(o.MaxConnLifetime)
	s := sqlstore.New(db, db, Dialect, o)
	if err := s.Ping(ctx); err != nil {
		s.Close()
		return nil, fmt.Errorf("open replica: %w", err)
	}
	return s, nil
}
