package sqlstore

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
)

// gate admits at most as many operations to a pool as it has connections,
// so that an admitted operation never queues inside database/sql: it finds
// an idle connection or opens one. Waiting happens here, bounded by
// AcquireTimeout, and the common case — a slot and an idle connection free —
// costs no timer (a context.WithTimeout is a handful of allocations, four
// times in every chat turn). nil for a pool without a connection limit.
type gate chan struct{}

func newGate(pool *sql.DB) gate {
	if n := pool.Stats().MaxOpenConnections; n > 0 {
		return make(gate, n)
	}
	return nil
}

// acquire waits for a slot of the pool's gate and one of its connections,
// together within AcquireTimeout (or the caller's deadline when that comes
// first); running out of the former is OVERLOADED. The caller closes the
// connection, then leaves the gate.
func (d *db) acquire(ctx context.Context, pool *sql.DB) (*sql.Conn, gate, error) {
	g := d.gates[pool]
	admitted := g == nil // no limit to wait for
	select {
	case g <- struct{}{}: // never ready for a nil gate
		admitted = true
		if pool.Stats().Idle > 0 {
			// An idle connection is handed over at once. Only a user of the
			// pool outside the gate (a health ping) could take it first, and
			// then this waits no longer than that user's single statement.
			// One past its lifetime is replaced by a dial, which the
			// dialect's driver bounds itself (PostgreSQL: connect timeout).
			return d.connect(ctx, ctx, pool, g)
		}
	default:
	}
	// One bound for the wait at the gate and for the connection (opening
	// one can hang on an unreachable server).
	actx, cancel := d.acquireCtx(ctx)
	defer cancel()
	if !admitted {
		select {
		case g <- struct{}{}:
		case <-actx.Done():
			return nil, nil, d.acquireErr(ctx, actx.Err())
		}
	}
	return d.connect(ctx, actx, pool, g)
}

// connect takes a connection under actx once admitted through g.
func (d *db) connect(ctx, actx context.Context, pool *sql.DB, g gate) (*sql.Conn, gate, error) {
	conn, err := pool.Conn(actx)
	if err != nil {
		g.leave()
		return nil, nil, d.acquireErr(ctx, err)
	}
	return conn, g, nil
}

// leave frees the slot taken by acquire.
func (g gate) leave() {
	if g != nil {
		<-g
	}
}

// acquireErr is OVERLOADED when the acquire bound, not the caller, ran out.
func (d *db) acquireErr(ctx context.Context, err error) error {
	if ctx.Err() == nil && errors.Is(err, context.DeadlineExceeded) {
		e := pamerr.Wrap(fmt.Errorf("acquire connection: %w", err), pamerr.Overloaded, "the database is busy")
		e.RetryAfter = unavailableRetryAfter
		return e
	}
	return fmt.Errorf("acquire connection: %w", err)
}

// acquireCtx bounds a wait by AcquireTimeout. When the caller's deadline
// comes first it is the bound already, and the timer context is saved;
// running out of it is the caller's deadline, not OVERLOADED, either way.
func (d *db) acquireCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= d.o.AcquireTimeout {
		return ctx, func() {}
	}
	return context.WithTimeout(ctx, d.o.AcquireTimeout)
}
