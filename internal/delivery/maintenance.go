package delivery

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/google/uuid"

	"github.com/pamtravel/pam/internal/pamerr"
)

// MaintenanceConfig tunes maintenance mode. Zero values take the defaults.
type MaintenanceConfig struct {
	// Shared is the spool every instance can drain (a Redis list); nil when
	// there is no Redis. Local (an fsync'd file in the data dir) takes the
	// messages Shared cannot.
	Shared Spool
	Local  Spool
	// Ping reports whether the database is back (store.Ping).
	Ping func(ctx context.Context) error
	// Every is how often a non-empty spool checks for the database, default 1 s.
	Every time.Duration
	// RetryAfter is the hint sent with MAINTENANCE, default 10 s.
	RetryAfter time.Duration
	// StaleAfter is how long an accepted turn may stay unanswered and
	// untouched before the sweep answers it (an instance lost the database in
	// the middle of the turn), default 10 min — far beyond any turn's
	// deadline, so a turn still running somewhere is never run twice.
	StaleAfter time.Duration
	// SweepEvery is how often stale turns are looked for, default 1 min.
	SweepEvery time.Duration
}

// SpoolLocker is implemented by a shared spool that lets one instance drain at a time.
type SpoolLocker interface {
	TryLock(ctx context.Context) (unlock func(), ok bool)
}

// Maintenance is PAM's answer to an unreachable database: a message that
// cannot be stored is spooled durably, the sender is told MAINTENANCE ("your
// message is queued"), and once the database answers again the spool is
// replayed in order through the normal path. Acceptance is idempotent by the
// client message id (one is assigned before spooling), so each message runs
// exactly one turn even if a replay is interrupted and repeated.
type Maintenance struct {
	svc *Service
	cfg MaintenanceConfig

	mu      sync.Mutex
	wake    chan struct{}
	now     func() time.Time
	spooled atomic.Int64
	drained atomic.Int64
}

// EnableMaintenance turns maintenance mode on for s and returns it; call Run
// to replay spooled messages when the database returns.
func (s *Service) EnableMaintenance(cfg MaintenanceConfig) *Maintenance {
	if cfg.Every <= 0 {
		cfg.Every = time.Second
	}
	if cfg.RetryAfter <= 0 {
		cfg.RetryAfter = 10 * time.Second
	}
	if cfg.StaleAfter <= 0 {
		cfg.StaleAfter = 10 * time.Minute
	}
	if cfg.SweepEvery <= 0 {
		cfg.SweepEvery = time.Minute
	}
	m := &Maintenance{svc: s, cfg: cfg, wake: make(chan struct{}, 1), now: time.Now}
	s.maint.Store(m)
	return m
}

// maintenance turns a MAINTENANCE failure of in into a queued message.
func (s *Service) maintenance(ctx context.Context, in Inbound, err error) error {
	m := s.maint.Load()
	if m == nil || pamerr.CodeOf(err) != pamerr.Maintenance {
		return err
	}
	return m.spool(ctx, in, err)
}

func (m *Maintenance) spool(ctx context.Context, in Inbound, cause error) error {
	if in.ClientMessageID == "" {
		in.ClientMessageID = uuid.NewString()
	}
	ctx = context.WithoutCancel(ctx)
	var pushErr error
	if m.cfg.Shared != nil {
		if pushErr = m.cfg.Shared.Push(ctx, in); pushErr == nil {
			return m.queued(in)
		}
	}
	if m.cfg.Local != nil {
		if err := m.cfg.Local.Push(ctx, in); err == nil {
			return m.queued(in)
		} else {
			pushErr = errors.Join(pushErr, err)
		}
	}
	m.svc.log.Error("maintenance: message could not be spooled", "user_id", in.UserID, "error", pushErr)
	return &pamerr.Error{Code: pamerr.Maintenance, Message: "PAM's database is unavailable and the message could not be queued; please send it again in a moment.",
		RetryAfter: m.cfg.RetryAfter, Err: errors.Join(cause, pushErr)}
}

func (m *Maintenance) queued(in Inbound) error {
	m.spooled.Add(1)
	m.svc.log.Warn("maintenance: database unavailable, message queued", "user_id", in.UserID, "client_message_id", in.ClientMessageID)
	select {
	case m.wake <- struct{}{}:
	default:
	}
	return &pamerr.Error{Code: pamerr.Maintenance,
		Message:    "PAM is in maintenance: your message is queued and will be answered as soon as the database is back.",
		RetryAfter: m.cfg.RetryAfter}
}

// Stats returns how many messages were spooled and replayed by this instance.
func (m *Maintenance) Stats() (spooled, drained int64) { return m.spooled.Load(), m.drained.Load() }

// Pending returns how many messages wait in the spools.
func (m *Maintenance) Pending(ctx context.Context) int {
	n := 0
	for _, sp := range m.spools() {
		if k, err := sp.Len(ctx); err == nil {
			n += k
		}
	}
	return n
}

func (m *Maintenance) spools() []Spool {
	var out []Spool
	if m.cfg.Local != nil {
		out = append(out, m.cfg.Local) // this instance's overflow first: it is the oldest
	}
	if m.cfg.Shared != nil {
		out = append(out, m.cfg.Shared)
	}
	return out
}

// Run replays the spools whenever they hold messages and the database
// answers, until ctx ends.
func (m *Maintenance) Run(ctx context.Context) {
	t := time.NewTicker(m.cfg.Every)
	defer t.Stop()
	sweep := time.NewTicker(m.cfg.SweepEvery)
	defer sweep.Stop()
	for {
		m.Drain(ctx)
		select {
		case <-ctx.Done():
			return
		case <-sweep.C:
			m.SweepStale(ctx)
		case <-t.C:
		case <-m.wake:
			// a fresh message: the database was down a moment ago, so wait for the tick
			select {
			case <-ctx.Done():
				return
			case <-t.C:
			}
		}
	}
}

// Drain replays spooled messages in order while the database answers; it
// returns how many it replayed.
func (m *Maintenance) Drain(ctx context.Context) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	for _, sp := range m.spools() {
		if k, err := sp.Len(ctx); err != nil || k == 0 {
			continue
		}
		if m.cfg.Ping != nil {
			if err := m.cfg.Ping(ctx); err != nil {
				return n
			}
		}
		if l, ok := sp.(SpoolLocker); ok {
			unlock, got := l.TryLock(ctx)
			if !got {
				continue // another instance is draining it
			}
			k, ok := m.drainOne(ctx, sp)
			unlock()
			n += k
			if !ok {
				return n
			}
			continue
		}
		k, ok := m.drainOne(ctx, sp)
		n += k
		if !ok {
			return n
		}
	}
	return n
}

// drainOne replays sp until it is empty (ok) or the database fails again.
func (m *Maintenance) drainOne(ctx context.Context, sp Spool) (int, bool) {
	n := 0
	for ctx.Err() == nil {
		rec, ok, err := sp.Peek(ctx)
		if err != nil {
			m.svc.log.Warn("maintenance: read spool", "error", err)
			return n, false
		}
		if !ok {
			return n, true
		}
		in := rec.In
		in.RequestID = "spool-" + in.ClientMessageID
		acc, err := m.svc.accept(ctx, in)
		switch {
		case pamerr.CodeOf(err) == pamerr.Maintenance || pamerr.CodeOf(err) == pamerr.Overloaded || ctx.Err() != nil:
			return n, false // the database is gone again: keep the message, try later
		case err != nil:
			// Refused on its merits (invalid, unknown conversation…): it never will be accepted.
			m.svc.log.Warn("maintenance: queued message refused", "user_id", in.UserID, "client_message_id", in.ClientMessageID, "error", err)
		case !acc.Duplicate:
			if _, err := m.svc.Process(ctx, acc.Turn, in, nil); err != nil {
				m.svc.log.Warn("maintenance: queued turn failed", "turn_id", acc.Turn.ID, "error", err)
			}
		}
		if err := sp.Remove(ctx, rec.Seq); err != nil {
			m.svc.log.Warn("maintenance: remove from spool", "error", err)
			return n, false
		}
		n++
		m.drained.Add(1)
	}
	return n, false
}

// SweepStale answers accepted turns left unanswered and untouched for
// StaleAfter — a turn whose instance lost the database mid-turn, whose retry
// then found it already accepted. It returns how many it answered. With a
// shared spool only the instance holding its lock sweeps.
func (m *Maintenance) SweepStale(ctx context.Context) int {
	if l, ok := m.cfg.Shared.(SpoolLocker); ok && m.cfg.Shared != nil {
		unlock, got := l.TryLock(ctx)
		if !got {
			return 0
		}
		defer unlock()
	}
	turns, err := m.svc.store.PendingTurns(ctx, 100)
	if err != nil {
		return 0
	}
	cutoff := m.now().Add(-m.cfg.StaleAfter)
	n := 0
	for i := range turns {
		t := &turns[i]
		if ctx.Err() != nil || !t.UpdatedAt.Before(cutoff) {
			continue
		}
		if m.svc.here.isRunning(t.ID) {
			continue
		}
		m.svc.log.Warn("answering a stale accepted turn", "turn_id", t.ID, "user_id", t.UserID, "accepted_at", t.CreatedAt)
		if _, err := m.svc.Process(ctx, t, Inbound{UserID: t.UserID, RequestID: "stale-" + t.ID}, nil); err != nil {
			m.svc.log.Warn("stale turn failed", "turn_id", t.ID, "error", err)
		}
		n++
	}
	return n
}
