package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

// AppendEvent numbers the user's next frame and stores it in one transaction:
// the per-user counter row is incremented (and so locked) first, so concurrent
// appenders queue on it and a rolled-back append leaves no gap.
func (s *Store) AppendEvent(ctx context.Context, userID, typ string, build func(seq int64) (json.RawMessage, error)) (*store.Event, error) {
	ev := &store.Event{}
	err := s.writeTx(ctx, "append event", func(q querier) error {
		user := any(userID) // bound by both statements, boxed once
		err := s.row(ctx, q, `INSERT INTO event_counters (user_id, last_seq) VALUES (?, 1)
			ON CONFLICT (user_id) DO UPDATE SET last_seq = event_counters.last_seq + 1 RETURNING last_seq`, user).Scan(&ev.Seq)
		if err != nil {
			return s.fkAsNotFound("user", err)
		}
		seq := ev.Seq
		payload, err := build(seq)
		if err != nil {
			return fmt.Errorf("build event %d: %w", seq, err)
		}
		if !json.Valid(payload) {
			return fmt.Errorf("build event %d: payload is not valid JSON", seq)
		}
		t := now()
		if _, err := s.exec(ctx, q, "INSERT INTO events (user_id, seq, type, payload, created_at) VALUES (?, ?, ?, ?, ?)",
			user, seq, typ, string(payload), s.ts(t)); err != nil {
			return err
		}
		*ev = store.Event{UserID: userID, Seq: seq, Type: typ, Payload: payload, CreatedAt: t}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return ev, nil
}

// EventsAfter returns the user's kept frames after seq, oldest first.
func (s *Store) EventsAfter(ctx context.Context, userID string, after int64, n int) ([]store.Event, error) {
	return getAll(ctx, s, "events after", func(r scanner) (store.Event, error) {
		var e store.Event
		err := r.Scan(&e.UserID, &e.Seq, &e.Type, jsonScan{&e.Payload}, timeScan{&e.CreatedAt})
		return e, err
	}, "SELECT user_id, seq, type, payload, created_at FROM events WHERE user_id = ? AND seq > ? ORDER BY seq LIMIT ?", userID, after, batch(n))
}

// LastSeq returns the newest seq given to the user, 0 for none.
func (s *Store) LastSeq(ctx context.Context, userID string) (int64, error) {
	var seq int64
	err := s.read(ctx, "last seq", func(q querier) error {
		return s.row(ctx, q, "SELECT COALESCE(MAX(last_seq), 0) FROM event_counters WHERE user_id = ?", userID).Scan(&seq)
	})
	return seq, err
}

// OldestSeq returns the oldest kept seq of the user, 0 when none is kept.
func (s *Store) OldestSeq(ctx context.Context, userID string) (int64, error) {
	var seq int64
	err := s.read(ctx, "oldest seq", func(q querier) error {
		return s.row(ctx, q, "SELECT COALESCE(MIN(seq), 0) FROM events WHERE user_id = ?", userID).Scan(&seq)
	})
	return seq, err
}

// PruneEvents deletes frames older than before, keeping each user's newest keepPerUser.
func (s *Store) PruneEvents(ctx context.Context, before time.Time, keepPerUser int) (int64, error) {
	if keepPerUser < 0 {
		keepPerUser = 0
	}
	var n int64
	err := s.write(ctx, "prune events", func(q querier) error {
		var err error
		n, err = s.exec(ctx, q, `DELETE FROM events WHERE created_at < ?
			AND seq <= (SELECT c.last_seq FROM event_counters c WHERE c.user_id = events.user_id) - ?`, s.ts(before), keepPerUser)
		return err
	})
	return n, err
}

// RecordAck remembers the highest seq a device acknowledged.
func (s *Store) RecordAck(ctx context.Context, userID, deviceID string, seq int64) error {
	return s.write(ctx, "record ack", func(q querier) error {
		_, err := s.exec(ctx, q, `INSERT INTO event_acks (user_id, device_id, seq, updated_at) VALUES (?, ?, ?, ?)
			ON CONFLICT (user_id, device_id) DO UPDATE SET
			seq = CASE WHEN excluded.seq > event_acks.seq THEN excluded.seq ELSE event_acks.seq END,
			updated_at = excluded.updated_at`, userID, deviceID, seq, s.ts(now()))
		return s.fkAsNotFound("user", err)
	})
}
