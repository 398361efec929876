package sqlstore

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

const feedbackCols = "id, user_id, message_id, conversation_id, rating, note, created_at"

func scanFeedback(r scanner) (store.Feedback, error) {
	var f store.Feedback
	err := r.Scan(&f.ID, &f.UserID, &f.MessageID, &f.ConversationID, &f.Rating, &f.Note, timeScan{&f.CreatedAt})
	return f, err
}

// SaveFeedback stores or replaces the user's feedback on one of their
// messages. The message is looked up scoped to the user, so feedback on
// another person's message is NOT_FOUND.
func (s *Store) SaveFeedback(ctx context.Context, f *store.Feedback) error {
	if f.Rating != store.RatingUp && f.Rating != store.RatingDown {
		return pamerr.Invalid("rating", "rating must be %q or %q", store.RatingUp, store.RatingDown)
	}
	id, t := NewID(), now()
	var saved store.Feedback
	err := s.writeTx(ctx, "save feedback", func(q querier) error {
		var conv string
		err := s.row(ctx, q, "SELECT conversation_id FROM messages WHERE id = ? AND user_id = ?", f.MessageID, f.UserID).Scan(&conv)
		if err == sql.ErrNoRows {
			return notFound("message")
		}
		if err != nil {
			return err
		}
		if _, err := s.exec(ctx, q, "INSERT INTO feedback ("+feedbackCols+`) VALUES (?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (user_id, message_id) DO UPDATE SET rating = excluded.rating, note = excluded.note, created_at = excluded.created_at`,
			id, f.UserID, f.MessageID, conv, f.Rating, f.Note, s.ts(t)); err != nil {
			return err
		}
		saved, err = scanFeedback(s.row(ctx, q, "SELECT "+feedbackCols+" FROM feedback WHERE user_id = ? AND message_id = ?", f.UserID, f.MessageID))
		return err
	})
	if err == nil {
		*f = saved
	}
	return err
}

// ListFeedback lists every user's feedback, newest first.
func (s *Store) ListFeedback(ctx context.Context, p store.Page) ([]store.Feedback, string, error) {
	return getPage(ctx, s, "list feedback", p, true, scanFeedback, func(f *store.Feedback) string { return f.ID },
		"SELECT "+feedbackCols+" FROM feedback", "")
}

// RecordClientEvents stores a batch of client analytics events in one transaction.
func (s *Store) RecordClientEvents(ctx context.Context, events []store.ClientEvent) error {
	for i := range events {
		if err := checkJSON("props", events[i].Props); err != nil {
			return err
		}
	}
	out := make([]store.ClientEvent, len(events))
	copy(out, events)
	err := s.writeTx(ctx, "record client events", func(q querier) error {
		for i := range out {
			out[i].ID, out[i].CreatedAt = NewID(), now()
			_, err := s.exec(ctx, q, "INSERT INTO client_events (id, user_id, name, props, created_at) VALUES (?, ?, ?, ?, ?)",
				out[i].ID, out[i].UserID, out[i].Name, nullJSON(out[i].Props), s.ts(out[i].CreatedAt))
			if err := s.fkAsNotFound("user", err); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		copy(events, out)
	}
	return err
}

// ScanUsage reads turns, assistant replies, tool audit rows and client events
// created in [from, to) and calls fn for each; a zero to is open.
func (s *Store) ScanUsage(ctx context.Context, from, to time.Time, fn func(f store.UsageFact) error) error {
	if to.IsZero() {
		to = farFuture
	}
	queries := []struct {
		kind, query string
	}{
		{store.UsageTurn, "SELECT '', status = 'failed', NULL, created_at FROM turns WHERE created_at >= ? AND created_at < ?"},
		{store.UsageReply, "SELECT source, degraded, meta, created_at FROM messages WHERE role = 'assistant' AND created_at >= ? AND created_at < ?"},
		{store.UsageTool, "SELECT action, outcome <> 'ok', NULL, time FROM audit_log WHERE kind = 'tool' AND time >= ? AND time < ?"},
		{store.UsageClient, "SELECT name, false, NULL, created_at FROM client_events WHERE created_at >= ? AND created_at < ?"},
	}
	return s.read(ctx, "scan usage", func(q querier) error {
		for _, qu := range queries {
			rows, err := s.query(ctx, q, qu.query, s.ts(from), s.ts(to))
			if err != nil {
				return err
			}
			_, err = collect(rows, func(r scanner) (struct{}, error) {
				f := store.UsageFact{Kind: qu.kind}
				var meta json.RawMessage
				if err := r.Scan(&f.Name, &f.Failed, jsonScan{&meta}, timeScan{&f.At}); err != nil {
					return struct{}{}, err
				}
				f.Meta = meta
				return struct{}{}, fn(f)
			})
			if err != nil {
				return err
			}
		}
		return nil
	})
}
