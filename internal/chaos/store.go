package chaos

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// ErrPoolExhausted is what an injected pool exhaustion returns, wrapped with
// context.DeadlineExceeded as a real pool's acquire timeout is.
var ErrPoolExhausted = errors.New("chaos: database pool exhausted: timed out acquiring a connection")

// Store wraps st: with the db_pool rate, the operations that begin work —
// a transaction, and the reads of the message path and the tools — block
// for DBWait and fail before touching the database, as an exhausted pool
// does, with the error the SQL store gives then (OVERLOADED, retry after
// 5 s). Writes outside a transaction and the delivery bookkeeping pass
// through, so a failure never leaves half a write.
func (i *Injector) Store(st store.Store) store.Store {
	if i == nil || i.Rate(DBPool) <= 0 {
		return st
	}
	return &faultyStore{Store: st, i: i}
}

type faultyStore struct {
	store.Store
	i *Injector
}

func (s *faultyStore) acquire(ctx context.Context, op string) error {
	if !s.i.Hit(DBPool) {
		return nil
	}
	wait := s.i.DBWait
	if wait <= 0 {
		wait = 50 * time.Millisecond
	}
	t := time.NewTimer(wait)
	defer t.Stop()
	select {
	case <-ctx.Done():
	case <-t.C:
	}
	// The same error the SQL store returns when its acquire timeout passes.
	e := pamerr.Wrap(fmt.Errorf("%s: acquire connection: %w: %w", op, ErrPoolExhausted, context.DeadlineExceeded),
		pamerr.Overloaded, "the database is busy")
	e.RetryAfter = 5 * time.Second
	return e
}

func (s *faultyStore) InTxContext(ctx context.Context, fn func(ctx context.Context) error) error {
	if err := s.acquire(ctx, "begin"); err != nil {
		return err
	}
	return s.Store.InTxContext(ctx, fn)
}

func (s *faultyStore) InTx(ctx context.Context, fn func(tx store.Store) error) error {
	if err := s.acquire(ctx, "begin"); err != nil {
		return err
	}
	return s.Store.InTx(ctx, fn)
}

func (s *faultyStore) RecentMessages(ctx context.Context, userID, conversationID string, limit int) ([]store.Message, error) {
	if err := s.acquire(ctx, "RecentMessages"); err != nil {
		return nil, err
	}
	return s.Store.RecentMessages(ctx, userID, conversationID, limit)
}

func (s *faultyStore) UserByID(ctx context.Context, id string) (*store.User, error) {
	if err := s.acquire(ctx, "UserByID"); err != nil {
		return nil, err
	}
	return s.Store.UserByID(ctx, id)
}

func (s *faultyStore) ListExpenses(ctx context.Context, userID string, f store.ExpenseFilter, p store.Page) ([]store.Expense, string, error) {
	if err := s.acquire(ctx, "ListExpenses"); err != nil {
		return nil, "", err
	}
	return s.Store.ListExpenses(ctx, userID, f, p)
}
