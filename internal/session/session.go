// Package session owns PAM's instance store (the refactor plan's
// PamInstanceStore): the minimal per-user state an instance keeps between
// turns — language, a brief context snapshot and the last activity.
// Conversation history lives in the database, not here. Memory serves one
// instance; Redis shares the state so a user's next message may land on any
// instance behind the load balancer.
package session

import (
	"context"
	"encoding/json"
	"time"
)

// State is one user's instance state.
type State struct {
	UserID     string          `json:"user_id"`
	Language   string          `json:"language,omitempty"`
	Context    json.RawMessage `json:"context,omitempty"` // brief snapshot (location, timezone, current trip…)
	LastActive time.Time       `json:"last_active"`
}

// Store keeps instance state. Entries not touched for the store's TTL
// (default 24 h) are forgotten. Implementations are safe for concurrent use.
type Store interface {
	// Get returns the user's state; ok is false when there is none.
	Get(ctx context.Context, userID string) (st State, ok bool, err error)
	// Put replaces the user's state and marks it active at st.LastActive (now when zero).
	Put(ctx context.Context, st State) error
	// Touch records activity without changing the rest.
	Touch(ctx context.Context, userID string, at time.Time) error
	// Delete forgets the user (logout, account deletion).
	Delete(ctx context.Context, userID string) error
}

// DefaultTTL is how long untouched state is kept.
const DefaultTTL = 24 * time.Hour

// MaxContextBytes bounds a snapshot: the state is "brief" by contract.
const MaxContextBytes = 8 << 10
