package audit

import (
	"context"
	"errors"
	"fmt"

	"github.com/pamtravel/pam/internal/store"
)

// Scanner reads the audit log oldest first (store.Store satisfies it).
type Scanner interface {
	ScanAudit(ctx context.Context, fn func(r *store.AuditRecord) error) error
}

// ErrTampered is wrapped by every error Verify returns for a broken chain.
var ErrTampered = errors.New("audit log tampered")

// Verify walks the whole log and checks that seq numbers run 1, 2, 3… without
// gaps, that each row's PrevHash is the previous row's Hash (the first row's
// is empty), and that each row's Hash matches its content. It returns the
// number of rows checked and an error wrapping ErrTampered naming the first
// bad row. A removed trailing row cannot be seen from the rows alone; compare
// the returned count and the last hash with a copy kept elsewhere for that.
func Verify(ctx context.Context, s Scanner) (checked int, err error) {
	var prevHash string
	var prevSeq int64
	err = s.ScanAudit(ctx, func(r *store.AuditRecord) error {
		if err := ctx.Err(); err != nil {
			return err
		}
		switch {
		case r.Seq != prevSeq+1:
			return fmt.Errorf("%w: row seq %d follows seq %d (removed or reordered row)", ErrTampered, r.Seq, prevSeq)
		case r.PrevHash != prevHash:
			return fmt.Errorf("%w: row seq %d does not chain to the row before it", ErrTampered, r.Seq)
		case Hash(r) != r.Hash:
			return fmt.Errorf("%w: row seq %d content does not match its hash (changed row)", ErrTampered, r.Seq)
		}
		checked++
		prevSeq, prevHash = r.Seq, r.Hash
		return nil
	})
	if err != nil {
		return checked, fmt.Errorf("verify audit log: %w", err)
	}
	return checked, nil
}
