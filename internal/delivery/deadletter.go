package delivery

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// RetryDeadLetter runs a dead-lettered turn again from a fresh attempt count;
// its answer goes to the user's event stream like any other. The dead letter
// is removed once the turn is answered (or dead-lettered anew).
func (s *Service) RetryDeadLetter(ctx context.Context, id string) (*Result, error) {
	d, err := s.store.DeadLetterByID(ctx, id)
	if err != nil {
		return nil, err
	}
	if d.Kind != "turn" {
		return nil, pamerr.Invalid("id", "only dead-lettered turns can be retried, this is a %q", d.Kind)
	}
	var t store.Turn
	if err := json.Unmarshal(d.Payload, &t); err != nil || t.ID == "" {
		return nil, fmt.Errorf("dead letter %s: bad turn payload: %w", id, err)
	}
	if err := s.store.DeleteDeadLetter(ctx, id); err != nil {
		return nil, err
	}
	t.Attempts = 0
	return s.Process(ctx, &t, Inbound{UserID: t.UserID, RequestID: "retry-" + id}, nil)
}

// DiscardDeadLetter drops a dead letter for good; a dead-lettered turn's
// kept tool results go with it (they were kept for a rerun that will not
// come).
func (s *Service) DiscardDeadLetter(ctx context.Context, id string) error {
	d, err := s.store.DeadLetterByID(ctx, id)
	if err != nil {
		return err
	}
	var t store.Turn
	if d.Kind != "turn" || json.Unmarshal(d.Payload, &t) != nil || t.ID == "" {
		return s.store.DeleteDeadLetter(ctx, id)
	}
	return s.store.InTx(ctx, func(tx store.Store) error {
		if err := tx.DeleteDeadLetter(ctx, id); err != nil {
			return err
		}
		return tx.DeleteToolResults(ctx, t.ID)
	})
}
