package session

import (
	"context"
	"time"
)

// Fallback serves from Primary (Redis) while healthy reports true and from
// Secondary (memory) otherwise, so losing Redis costs other instances the
// latest snapshot, never a turn or a log line per request.
type Fallback struct {
	Primary, Secondary Store
	Healthy            func() bool
}

var _ Store = (*Fallback)(nil)

func (f *Fallback) pick() Store {
	if f.Healthy == nil || f.Healthy() {
		return f.Primary
	}
	return f.Secondary
}

// Get implements Store; a failed shared read is answered from the local copy.
func (f *Fallback) Get(ctx context.Context, userID string) (State, bool, error) {
	st, ok, err := f.pick().Get(ctx, userID)
	if err != nil {
		return f.Secondary.Get(ctx, userID)
	}
	return st, ok, nil
}

// Put implements Store; the local copy is always written too.
func (f *Fallback) Put(ctx context.Context, st State) error {
	if err := f.Secondary.Put(ctx, st); err != nil {
		return err
	}
	if s := f.pick(); s != f.Secondary {
		_ = s.Put(ctx, st) // a failed shared write leaves the local copy
	}
	return nil
}

// Touch implements Store.
func (f *Fallback) Touch(ctx context.Context, userID string, at time.Time) error {
	_ = f.Secondary.Touch(ctx, userID, at)
	if s := f.pick(); s != f.Secondary {
		_ = s.Touch(ctx, userID, at)
	}
	return nil
}

// Delete implements Store; both copies go.
func (f *Fallback) Delete(ctx context.Context, userID string) error {
	err := f.Secondary.Delete(ctx, userID)
	if f.Primary != f.Secondary {
		if perr := f.Primary.Delete(ctx, userID); perr != nil {
			return perr
		}
	}
	return err
}
