package analytics

import (
	"context"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

// Watch returns st with RecordSavings also telling s about each new event, so
// a savings event that passes the month's threshold sends the celebration.
// Give it to the tools that record savings. Writes inside InTx are not
// watched.
func (s *Service) Watch(st store.Store) store.Store { return &watched{Store: st, svc: s} }

type watched struct {
	store.Store
	svc *Service
}

func (w *watched) RecordSavings(ctx context.Context, e *store.SavingsEvent) error {
	if err := w.Store.RecordSavings(ctx, e); err != nil {
		return err
	}
	loc := time.UTC
	if u, err := w.Store.UserByID(ctx, e.UserID); err == nil {
		loc = u.Settings.Location()
	}
	w.svc.SavingsRecorded(ctx, e, loc)
	return nil
}
