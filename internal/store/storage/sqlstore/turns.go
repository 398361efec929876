package sqlstore

import (
	"context"
	"encoding/json"

	"github.com/pamtravel/pam/internal/store"
)

const turnCols = "id, user_id, conversation_id, client_message_id, user_message_id, text, context, status, attempts, last_error, reply_message_id, reply_seq, created_at, updated_at"

func scanTurn(r scanner) (store.Turn, error) {
	var t store.Turn
	err := r.Scan(&t.ID, &t.UserID, &t.ConversationID, &t.ClientMessageID, &t.UserMessageID, &t.Text, jsonScan{&t.Context},
		&t.Status, &t.Attempts, &t.LastError, &t.ReplyMessageID, &t.ReplySeq, timeScan{&t.CreatedAt}, timeScan{&t.UpdatedAt})
	return t, err
}

// AcceptTurn stores t unless the user already has a turn with its
// ClientMessageID, in which case it returns that turn and created=false. The
// unique (user_id, client_message_id) constraint makes this race-safe.
func (s *Store) AcceptTurn(ctx context.Context, t *store.Turn) (*store.Turn, bool, error) {
	if err := checkJSON("context", t.Context); err != nil {
		return nil, false, err
	}
	nt := *t
	ts := now()
	nt.ID, nt.CreatedAt, nt.UpdatedAt = NewID(), ts, ts
	if nt.ClientMessageID == "" {
		nt.ClientMessageID = nt.ID
	}
	if nt.Status == "" {
		nt.Status = store.TurnPending
	}
	var existing *store.Turn
	err := s.writeTx(ctx, "accept turn", func(q querier) error {
		at := s.tsField(&nt.CreatedAt) // ts, on the heap with nt
		n, err := s.exec(ctx, q, "INSERT INTO turns ("+turnCols+") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (user_id, client_message_id) DO NOTHING",
			// Through pointers: nt moves to the heap once instead of each field being boxed.
			&nt.ID, &nt.UserID, &nt.ConversationID, &nt.ClientMessageID, &nt.UserMessageID, &nt.Text, s.json(&nt.Context),
			&nt.Status, nt.Attempts, &nt.LastError, &nt.ReplyMessageID, &nt.ReplySeq, at, at)
		if err != nil {
			return s.fkAsNotFound("user", err)
		}
		if n == 1 {
			return nil
		}
		old, err := scanTurn(s.row(ctx, q, "SELECT "+turnCols+" FROM turns WHERE user_id = ? AND client_message_id = ?", nt.UserID, nt.ClientMessageID))
		if err != nil {
			return s.scanErr("turn", err)
		}
		existing = &old
		return nil
	})
	if err != nil {
		return nil, false, err
	}
	if existing != nil {
		return existing, false, nil
	}
	*t = nt
	return t, true, nil
}

// TurnByClientID returns the user's turn with the idempotency key.
func (s *Store) TurnByClientID(ctx context.Context, userID, clientMessageID string) (*store.Turn, error) {
	return getOne(ctx, s, "turn by client id", "turn", scanTurn,
		"SELECT "+turnCols+" FROM turns WHERE user_id = ? AND client_message_id = ?", userID, clientMessageID)
}

// CompleteTurn marks the turn done with its reply.
func (s *Store) CompleteTurn(ctx context.Context, turnID, replyMessageID string, replySeq int64) error {
	return s.writeTx(ctx, "complete turn", func(q querier) error {
		turn := any(turnID) // bound by both statements, boxed once
		n, err := s.exec(ctx, q, "UPDATE turns SET status = ?, reply_message_id = ?, reply_seq = ?, updated_at = ? WHERE id = ?",
			store.TurnDone, replyMessageID, replySeq, s.ts(now()), turn)
		if err == nil && n == 0 {
			return notFound("turn")
		}
		if err != nil {
			return err
		}
		// An answered turn never runs again: its tool results are spent.
		_, err = s.exec(ctx, q, "DELETE FROM tool_results WHERE turn_id = ?", turn)
		return err
	})
}

// SaveToolResult keeps a tool call's result for the turn; the first write wins.
func (s *Store) SaveToolResult(ctx context.Context, turnID, key string, result json.RawMessage) error {
	if err := checkJSON("result", result); err != nil {
		return err
	}
	return s.write(ctx, "save tool result", func(q querier) error {
		_, err := s.exec(ctx, q, "INSERT INTO tool_results (turn_id, call_key, result, created_at) VALUES (?, ?, ?, ?) ON CONFLICT (turn_id, call_key) DO NOTHING",
			turnID, key, string(result), s.ts(now()))
		return s.fkAsNotFound("turn", err)
	})
}

// ToolResult reads back a kept tool call result.
func (s *Store) ToolResult(ctx context.Context, turnID, key string) (json.RawMessage, error) {
	raw, err := getOne(ctx, s, "tool result", "tool result", func(r scanner) (string, error) {
		var v string
		err := r.Scan(&v)
		return v, err
	}, "SELECT result FROM tool_results WHERE turn_id = ? AND call_key = ?", turnID, key)
	if err != nil {
		return nil, err
	}
	return json.RawMessage(*raw), nil
}

// DeleteToolResults drops the turn's kept tool results.
func (s *Store) DeleteToolResults(ctx context.Context, turnID string) error {
	return s.write(ctx, "delete tool results", func(q querier) error {
		_, err := s.exec(ctx, q, "DELETE FROM tool_results WHERE turn_id = ?", turnID)
		return err
	})
}

// FailTurnAttempt counts a failed attempt; final dead-letters the turn (status failed).
func (s *Store) FailTurnAttempt(ctx context.Context, turnID, lastError string, final bool) (int, error) {
	status := store.TurnPending
	if final {
		status = store.TurnFailed
	}
	var attempts int
	err := s.write(ctx, "fail turn attempt", func(q querier) error {
		err := s.row(ctx, q, "UPDATE turns SET attempts = attempts + 1, last_error = ?, status = ?, updated_at = ? WHERE id = ? RETURNING attempts",
			lastError, status, s.ts(now()), turnID).Scan(&attempts)
		return s.scanErr("turn", err)
	})
	return attempts, err
}

// PendingTurns returns pending turns across users, oldest first.
func (s *Store) PendingTurns(ctx context.Context, n int) ([]store.Turn, error) {
	return getAll(ctx, s, "pending turns", scanTurn, "SELECT "+turnCols+" FROM turns WHERE status = ? ORDER BY id LIMIT ?", store.TurnPending, batch(n))
}
