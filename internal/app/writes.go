package app

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/ratelimit"
	"github.com/pamtravel/pam/internal/store"
)

// Writes that are not user turns (client analytics events, feedback) must
// not be lost when the database is down or its pool exhausted: after the
// store's own retries they are kept as dead letters of Kind "write" and
// replayed by a background worker once the database answers again.

// writeDeadLetterKind is the store.DeadLetter Kind of a deferred write.
const writeDeadLetterKind = "write"

// writeReplay applies one deferred write's data to st, which is bound to the
// transaction that also deletes the dead letter, so a write is applied once.
type writeReplay func(ctx context.Context, st store.Store, data json.RawMessage) error

// writeKinds is the registry of replayable write kinds.
type writeKinds struct {
	mu sync.RWMutex
	m  map[string]writeReplay
}

// register adds a kind; a duplicate or nil replay is a programming error.
func (k *writeKinds) register(name string, fn writeReplay) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if fn == nil {
		panic("writes: nil replay for kind " + name)
	}
	if _, dup := k.m[name]; dup {
		panic("writes: kind registered twice: " + name)
	}
	if k.m == nil {
		k.m = map[string]writeReplay{}
	}
	k.m[name] = fn
}

func (k *writeKinds) lookup(name string) (writeReplay, bool) {
	k.mu.RLock()
	defer k.mu.RUnlock()
	fn, ok := k.m[name]
	return fn, ok
}

// deferredWrite is the payload of a write dead letter.
type deferredWrite struct {
	Write string          `json:"write"` // the registered kind
	Data  json.RawMessage `json:"data"`
}

// writeBehind keeps failed writes and replays them.
type writeBehind struct {
	st    store.Store // the undecorated store: replays are never deferred again
	kinds *writeKinds
	log   *slog.Logger
	// work, when set, runs analytics writes at Analytics priority, so they
	// are skipped (and counted in its stats) under load.
	work *ratelimit.WorkQueue

	// maxPending bounds writes held in memory while even the dead-letter
	// table is unreachable. They live only in this process: an instance that
	// dies while the database is down loses them (turns, by contrast, are
	// spooled durably by delivery's maintenance mode).
	maxPending int
	mu         sync.Mutex
	pending    []store.DeadLetter
	skip       map[string]bool // dead letters whose replay failed for good; left for an admin

	deferred, replayed, failed atomic.Int64
}

func newWriteBehind(st store.Store, log *slog.Logger) *writeBehind {
	w := &writeBehind{st: st, kinds: &writeKinds{}, log: log, maxPending: 10000, skip: map[string]bool{}}
	w.kinds.register(writeClientEvents, replayClientEvents)
	w.kinds.register(writeFeedback, replayFeedback)
	return w
}

// deferrable reports whether err means the database could not be reached
// (as opposed to a refused write, which must reach the caller).
func deferrable(err error) bool {
	c := pamerr.CodeOf(err)
	return c == pamerr.Maintenance || c == pamerr.Overloaded
}

// keep stores a write that failed with cause as a dead letter, or in memory
// when the dead-letter table is unreachable too. It returns cause when the
// write could not be kept at all, so the caller sees the failure.
func (w *writeBehind) keep(ctx context.Context, kind, userID string, data any, cause error) error {
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("writes: encode %s: %w", kind, err)
	}
	payload, err := json.Marshal(deferredWrite{Write: kind, Data: raw})
	if err != nil {
		return fmt.Errorf("writes: encode %s: %w", kind, err)
	}
	d := store.DeadLetter{Kind: writeDeadLetterKind, UserID: userID, Payload: payload, Attempts: 1, LastError: cause.Error()}
	if err := w.st.AddDeadLetter(context.WithoutCancel(ctx), &d); err != nil {
		w.mu.Lock()
		defer w.mu.Unlock()
		if len(w.pending) >= w.maxPending {
			return cause
		}
		w.pending = append(w.pending, d)
	}
	w.deferred.Add(1)
	w.log.WarnContext(ctx, "write deferred until the database answers", "write", kind, "user_id", userID, "error", cause)
	return nil
}

// Run replays deferred writes until ctx ends: every second while there is
// work and the database answers, backing off to 30 s while it does not.
func (w *writeBehind) Run(ctx context.Context) {
	const idle, maxBackoff = 10 * time.Second, 30 * time.Second
	wait := time.Second
	for {
		t := time.NewTimer(wait)
		select {
		case <-ctx.Done():
			t.Stop()
			return
		case <-t.C:
		}
		busy, err := w.replayOnce(ctx)
		switch {
		case err != nil:
			wait = min(2*wait, maxBackoff)
		case busy:
			wait = time.Second
		default:
			wait = idle
		}
		if w.pendingLen() > 0 && err == nil {
			wait = time.Second
		}
	}
}

func (w *writeBehind) pendingLen() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	return len(w.pending)
}

// replayOnce moves writes held in memory to the dead-letter table, then
// replays every write dead letter. It reports whether it found work, and an
// error when the database is still unreachable.
func (w *writeBehind) replayOnce(ctx context.Context) (busy bool, err error) {
	if err := w.flushPending(ctx); err != nil {
		return true, err
	}
	cursor := ""
	for {
		list, next, err := w.st.ListDeadLetters(ctx, store.Page{Limit: 100, Cursor: cursor})
		if err != nil {
			return busy, err
		}
		for _, d := range list {
			if d.Kind != writeDeadLetterKind || w.skipped(d.ID) {
				continue
			}
			busy = true
			if err := w.replay(ctx, d); err != nil {
				if deferrable(err) {
					return busy, err
				}
				w.failed.Add(1)
				w.markSkipped(d.ID)
				w.log.Error("deferred write failed for good; left in the dead letters", "dead_letter", d.ID, "error", err)
			}
		}
		if next == "" {
			return busy, nil
		}
		cursor = next
	}
}

func (w *writeBehind) flushPending(ctx context.Context) error {
	for {
		w.mu.Lock()
		if len(w.pending) == 0 {
			w.mu.Unlock()
			return nil
		}
		d := w.pending[0]
		w.mu.Unlock()
		if err := w.st.AddDeadLetter(ctx, &d); err != nil {
			return err
		}
		w.mu.Lock()
		w.pending = w.pending[1:]
		w.mu.Unlock()
	}
}

// replay applies d and deletes it in one transaction. The delete comes first
// so that another instance replaying the same letter waits on its row and
// then finds it gone (NOT_FOUND rolls its attempt back): applied once.
func (w *writeBehind) replay(ctx context.Context, d store.DeadLetter) error {
	var p deferredWrite
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return fmt.Errorf("writes: dead letter %s: %w", d.ID, err)
	}
	fn, ok := w.kinds.lookup(p.Write)
	if !ok {
		return fmt.Errorf("writes: dead letter %s: unknown write kind %q", d.ID, p.Write)
	}
	err := w.st.InTx(ctx, func(tx store.Store) error {
		if err := tx.DeleteDeadLetter(ctx, d.ID); err != nil {
			return err
		}
		return fn(ctx, tx, p.Data)
	})
	if errors.Is(err, store.ErrNotFound) {
		if _, gone := w.st.DeadLetterByID(ctx, d.ID); errors.Is(gone, store.ErrNotFound) {
			return nil // another instance replayed it
		}
	}
	if err == nil {
		w.replayed.Add(1)
	}
	return err
}

func (w *writeBehind) skipped(id string) bool {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.skip[id]
}

func (w *writeBehind) markSkipped(id string) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.skip[id] = true
}

// writeStats are the counters shown in the admin scale view.
type writeStats struct {
	Deferred int64 `json:"deferred"`
	Replayed int64 `json:"replayed"`
	Failed   int64 `json:"failed"`
	InMemory int   `json:"in_memory"`
}

func (w *writeBehind) stats() writeStats {
	return writeStats{Deferred: w.deferred.Load(), Replayed: w.replayed.Load(), Failed: w.failed.Load(), InMemory: w.pendingLen()}
}

// wrap returns st with its non-turn writes deferred instead of failed while
// the database is unreachable.
func (w *writeBehind) wrap(st store.Store) store.Store { return &deferringStore{Store: st, w: w} }

// deferringStore is a store.Store whose client-event and feedback writes are
// kept for replay when the database is unreachable. Writes inside InTx are
// not deferred: a transaction fails whole.
type deferringStore struct {
	store.Store
	w *writeBehind
}

// The replayable write kinds.
const (
	writeClientEvents = "client_events"
	writeFeedback     = "feedback"
)

// clientEventWire carries a client event with its user (store.ClientEvent
// keeps UserID out of JSON).
type clientEventWire struct {
	UserID string          `json:"user_id"`
	Name   string          `json:"name"`
	Props  json.RawMessage `json:"props,omitempty"`
}

// RecordClientEvents implements store.Store. The write is analytics work:
// under load it is skipped (the events are dropped) rather than queued.
func (s *deferringStore) RecordClientEvents(ctx context.Context, events []store.ClientEvent) error {
	err := s.w.analytics(ctx, func(ctx context.Context) error { return s.Store.RecordClientEvents(ctx, events) })
	if !deferrable(err) || len(events) == 0 {
		return err
	}
	wire := make([]clientEventWire, len(events))
	for i, e := range events {
		wire[i] = clientEventWire{UserID: e.UserID, Name: e.Name, Props: e.Props}
	}
	return s.w.keep(ctx, writeClientEvents, events[0].UserID, wire, err)
}

// analytics runs write through the work queue at Analytics priority and
// waits for it. Shed under load, or refused by a full queue, the write is
// skipped: nil is returned and the queue's stats count it.
func (w *writeBehind) analytics(ctx context.Context, write func(ctx context.Context) error) error {
	if w.work == nil {
		return write(ctx)
	}
	res := make(chan error, 1)
	err := w.work.Do(ctx, ratelimit.Analytics, func(ctx context.Context) { res <- write(ctx) })
	switch {
	case err == nil:
		return <-res
	case ctx.Err() != nil:
		return fmt.Errorf("analytics write: %w", err)
	default:
		return nil // shed or queue full: analytics is the first thing to go
	}
}

func replayClientEvents(ctx context.Context, st store.Store, data json.RawMessage) error {
	var wire []clientEventWire
	if err := json.Unmarshal(data, &wire); err != nil {
		return fmt.Errorf("client events: %w", err)
	}
	evs := make([]store.ClientEvent, len(wire))
	for i, e := range wire {
		evs[i] = store.ClientEvent{UserID: e.UserID, Name: e.Name, Props: e.Props}
	}
	return st.RecordClientEvents(ctx, evs)
}

// SaveFeedback implements store.Store. Deferred feedback comes back without
// ID, ConversationID or CreatedAt, which the database fills on replay.
func (s *deferringStore) SaveFeedback(ctx context.Context, f *store.Feedback) error {
	err := s.Store.SaveFeedback(ctx, f)
	if !deferrable(err) {
		return err
	}
	return s.w.keep(ctx, writeFeedback, f.UserID, f, err)
}

func replayFeedback(ctx context.Context, st store.Store, data json.RawMessage) error {
	var f store.Feedback
	if err := json.Unmarshal(data, &f); err != nil {
		return fmt.Errorf("feedback: %w", err)
	}
	return st.SaveFeedback(ctx, &f) // an upsert: a replay never duplicates
}

// Stats passes the pool statistics of the wrapped store through (for metrics).
func (s *deferringStore) Stats() sql.DBStats {
	if st, ok := s.Store.(interface{ Stats() sql.DBStats }); ok {
		return st.Stats()
	}
	return sql.DBStats{}
}
