package sqlstore

import (
	"context"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

const pendingCols = "id, user_id, tool, question, call, created_at, expires_at"

func scanPending(r scanner) (store.PendingAction, error) {
	var a store.PendingAction
	var call string
	err := r.Scan(&a.ID, &a.UserID, &a.Tool, &a.Question, &call, timeScan{&a.CreatedAt}, timeScan{&a.ExpiresAt})
	a.Call = []byte(call)
	return a, err
}

// PutPendingAction holds a and forgets the user's expired actions.
func (s *Store) PutPendingAction(ctx context.Context, a *store.PendingAction) error {
	if err := checkJSON("call", a.Call); err != nil {
		return err
	}
	return s.writeTx(ctx, "put pending action", func(q querier) error {
		if _, err := s.exec(ctx, q, "DELETE FROM pending_actions WHERE user_id = ? AND expires_at <= ?", a.UserID, s.ts(a.CreatedAt)); err != nil {
			return err
		}
		_, err := s.exec(ctx, q, "INSERT INTO pending_actions ("+pendingCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
			a.ID, a.UserID, a.Tool, a.Question, string(a.Call), s.ts(a.CreatedAt), s.ts(a.ExpiresAt))
		return s.fkAsNotFound("user", err)
	})
}

// TakePendingAction removes and returns the user's unexpired action id; of
// two takers only one gets it.
func (s *Store) TakePendingAction(ctx context.Context, userID, id string, now time.Time) (*store.PendingAction, error) {
	var a store.PendingAction
	err := s.write(ctx, "take pending action", func(q querier) error {
		var err error
		a, err = scanPending(s.row(ctx, q, "DELETE FROM pending_actions WHERE id = ? AND user_id = ? AND expires_at > ? RETURNING "+pendingCols,
			id, userID, s.ts(now)))
		return s.scanErr("pending action", err)
	})
	if err != nil {
		return nil, err
	}
	return &a, nil
}

// ListPendingActions lists the user's unexpired actions, oldest first.
func (s *Store) ListPendingActions(ctx context.Context, userID string, now time.Time) ([]store.PendingAction, error) {
	return getAll(ctx, s, "list pending actions", scanPending,
		"SELECT "+pendingCols+" FROM pending_actions WHERE user_id = ? AND expires_at > ? ORDER BY created_at, id", userID, s.ts(now))
}
