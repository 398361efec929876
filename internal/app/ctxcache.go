package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/store"
)

// ctxStore is the user-context cache tier over the store. Every write that
// changes what PAM knows about a user (profile, settings, expenses, budgets,
// fuel, vehicles) clears that user's "ctx:<user>:" keys once it has
// committed; with the Redis cache that invalidation reaches every instance.
// A login warms the user's entry. Only the turn path reads through the cache
// (readThrough): its copy has no password hash, so code that writes a user
// back always reads the database.
type ctxStore struct {
	store.Store
	c           cache.Cache
	ttl         time.Duration
	log         *slog.Logger
	readThrough bool
	pending     *[]string // inside a transaction: users to clear after commit
}

func ctxKey(userID string) string     { return "ctx:" + userID + ":" }
func ctxUserKey(userID string) string { return ctxKey(userID) + "user" }

// withUserContextCache wraps st; turns reads through the cache, st does not.
func withUserContextCache(st store.Store, c cache.Cache, ttl time.Duration, log *slog.Logger) (writes, turns store.Store) {
	w := &ctxStore{Store: st, c: c, ttl: ttl, log: log}
	r := *w
	r.readThrough = true
	return w, &r
}

func (s *ctxStore) invalidate(ctx context.Context, userID string) {
	if userID == "" {
		return
	}
	if s.pending != nil {
		*s.pending = append(*s.pending, userID)
		return
	}
	if err := s.c.DeletePrefix(context.WithoutCancel(ctx), ctxKey(userID)); err != nil {
		s.log.Warn("user context cache: invalidation failed", "user_id", userID, "error", err)
	}
}

func (s *ctxStore) warm(ctx context.Context, u *store.User) {
	raw, err := json.Marshal(u)
	if err != nil {
		return
	}
	_ = s.c.Set(ctx, ctxUserKey(u.ID), raw, s.ttl) // a cache that is down only costs a database read
}

// InTx implements store.Store: invalidations wait for the commit.
func (s *ctxStore) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	if s.pending != nil {
		return fn(s) // already in the transaction
	}
	var users []string
	err := s.Store.InTx(ctx, func(tx store.Store) error {
		inner := *s
		inner.Store, inner.pending = tx, &users
		return fn(&inner)
	})
	if err == nil {
		for _, u := range users {
			s.invalidate(ctx, u)
		}
	}
	return err
}

// UserByID implements store.Store, from the cache on the turn path.
func (s *ctxStore) UserByID(ctx context.Context, id string) (*store.User, error) {
	if !s.readThrough || s.pending != nil {
		return s.Store.UserByID(ctx, id)
	}
	if raw, ok, _ := s.c.Get(ctx, ctxUserKey(id)); ok {
		var u store.User
		if json.Unmarshal(raw, &u) == nil && u.ID == id {
			return &u, nil
		}
	}
	u, err := s.Store.UserByID(ctx, id)
	if err == nil {
		s.warm(ctx, u)
	}
	return u, err
}

// UserByEmail implements store.Store; a login warms the user's context.
func (s *ctxStore) UserByEmail(ctx context.Context, email string) (*store.User, error) {
	u, err := s.Store.UserByEmail(ctx, email)
	if err == nil && s.pending == nil {
		s.warm(ctx, u)
	}
	return u, err
}

// The writes below change a user's context.

func (s *ctxStore) UpdateUser(ctx context.Context, u *store.User) error {
	err := s.Store.UpdateUser(ctx, u)
	s.invalidate(ctx, u.ID)
	return err
}

func (s *ctxStore) DeleteUser(ctx context.Context, id string) error {
	err := s.Store.DeleteUser(ctx, id)
	s.invalidate(ctx, id)
	return err
}

func (s *ctxStore) CreateExpense(ctx context.Context, e *store.Expense) error {
	err := s.Store.CreateExpense(ctx, e)
	s.invalidate(ctx, e.UserID)
	return err
}

func (s *ctxStore) UpdateExpense(ctx context.Context, e *store.Expense) error {
	err := s.Store.UpdateExpense(ctx, e)
	s.invalidate(ctx, e.UserID)
	return err
}

func (s *ctxStore) DeleteExpense(ctx context.Context, userID, id string) error {
	err := s.Store.DeleteExpense(ctx, userID, id)
	s.invalidate(ctx, userID)
	return err
}

func (s *ctxStore) SetBudget(ctx context.Context, b *store.Budget) error {
	err := s.Store.SetBudget(ctx, b)
	s.invalidate(ctx, b.UserID)
	return err
}

func (s *ctxStore) DeleteBudget(ctx context.Context, userID, category string) error {
	err := s.Store.DeleteBudget(ctx, userID, category)
	s.invalidate(ctx, userID)
	return err
}

func (s *ctxStore) AddFuelEntry(ctx context.Context, f *store.FuelEntry) error {
	err := s.Store.AddFuelEntry(ctx, f)
	s.invalidate(ctx, f.UserID)
	return err
}

func (s *ctxStore) CreateVehicle(ctx context.Context, v *store.Vehicle) error {
	err := s.Store.CreateVehicle(ctx, v)
	s.invalidate(ctx, v.UserID)
	return err
}

func (s *ctxStore) UpdateVehicle(ctx context.Context, v *store.Vehicle) error {
	err := s.Store.UpdateVehicle(ctx, v)
	s.invalidate(ctx, v.UserID)
	return err
}

// Stats passes the pool statistics of the wrapped store through (for metrics).
func (s *ctxStore) Stats() sql.DBStats {
	if st, ok := s.Store.(interface{ Stats() sql.DBStats }); ok {
		return st.Stats()
	}
	return sql.DBStats{}
}
