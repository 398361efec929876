package sqlstore

import (
	"context"

	"github.com/pamtravel/pam/internal/store"
)

const deadCols = "id, kind, user_id, payload, attempts, last_error, created_at"

func scanDead(r scanner) (store.DeadLetter, error) {
	var d store.DeadLetter
	err := r.Scan(&d.ID, &d.Kind, &d.UserID, jsonScan{&d.Payload}, &d.Attempts, &d.LastError, timeScan{&d.CreatedAt})
	return d, err
}

// AddDeadLetter stores failed work.
func (s *Store) AddDeadLetter(ctx context.Context, d *store.DeadLetter) error {
	if err := checkJSON("payload", d.Payload); err != nil {
		return err
	}
	id, t := NewID(), now()
	payload := string(d.Payload)
	if payload == "" {
		payload = "null"
	}
	err := s.write(ctx, "add dead letter", func(q querier) error {
		_, err := s.exec(ctx, q, "INSERT INTO dead_letters ("+deadCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
			id, d.Kind, d.UserID, payload, d.Attempts, d.LastError, s.ts(t))
		return err
	})
	if err == nil {
		d.ID, d.CreatedAt = id, t
	}
	return err
}

// ListDeadLetters lists failed work, newest first.
func (s *Store) ListDeadLetters(ctx context.Context, p store.Page) ([]store.DeadLetter, string, error) {
	return getPage(ctx, s, "list dead letters", p, true, scanDead, func(d *store.DeadLetter) string { return d.ID },
		"SELECT "+deadCols+" FROM dead_letters", "")
}

// DeadLetterByID returns one dead letter.
func (s *Store) DeadLetterByID(ctx context.Context, id string) (*store.DeadLetter, error) {
	return getOne(ctx, s, "dead letter by id", "dead letter", scanDead, "SELECT "+deadCols+" FROM dead_letters WHERE id = ?", id)
}

// DeleteDeadLetter removes one dead letter.
func (s *Store) DeleteDeadLetter(ctx context.Context, id string) error {
	return s.write(ctx, "delete dead letter", func(q querier) error {
		n, err := s.exec(ctx, q, "DELETE FROM dead_letters WHERE id = ?", id)
		if err == nil && n == 0 {
			return notFound("dead letter")
		}
		return err
	})
}
