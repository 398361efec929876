package auth

import (
	"context"
	"sync"
	"time"
)

// Revocations remembers revoked access tokens (by token id) and per-user
// "every token issued before T is revoked" cut-offs. Entries need only live
// until the tokens they cover expire. A Redis implementation shares them
// between instances; MemoryRevocations serves one process.
type Revocations interface {
	Revoke(ctx context.Context, tokenID string, until time.Time) error
	IsRevoked(ctx context.Context, tokenID string) (bool, error)
	// RevokeUser revokes every token of the user issued before `before`; the
	// entry may be forgotten after until.
	RevokeUser(ctx context.Context, userID string, before, until time.Time) error
	// RevokedBefore returns the user's cut-off, zero when none.
	RevokedBefore(ctx context.Context, userID string) (time.Time, error)
}

// MemoryRevocations is an in-process Revocations; entries expire with the tokens.
type MemoryRevocations struct {
	mu     sync.Mutex
	now    func() time.Time
	tokens map[string]time.Time // token id → until
	users  map[string]userCut
	writes int
}

type userCut struct{ before, until time.Time }

var _ Revocations = (*MemoryRevocations)(nil)

// NewMemoryRevocations returns an empty in-process revocation list.
func NewMemoryRevocations() *MemoryRevocations {
	return &MemoryRevocations{now: time.Now, tokens: map[string]time.Time{}, users: map[string]userCut{}}
}

// Revoke implements Revocations.
func (m *MemoryRevocations) Revoke(_ context.Context, tokenID string, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if old, ok := m.tokens[tokenID]; !ok || until.After(old) {
		m.tokens[tokenID] = until
	}
	m.sweepLocked()
	return nil
}

// IsRevoked implements Revocations.
func (m *MemoryRevocations) IsRevoked(_ context.Context, tokenID string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	until, ok := m.tokens[tokenID]
	return ok && m.now().Before(until), nil
}

// RevokeUser implements Revocations.
func (m *MemoryRevocations) RevokeUser(_ context.Context, userID string, before, until time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.users[userID]
	if before.After(c.before) {
		c.before = before
	}
	if until.After(c.until) {
		c.until = until
	}
	m.users[userID] = c
	m.sweepLocked()
	return nil
}

// RevokedBefore implements Revocations.
func (m *MemoryRevocations) RevokedBefore(_ context.Context, userID string) (time.Time, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	c, ok := m.users[userID]
	if !ok || !m.now().Before(c.until) {
		return time.Time{}, nil
	}
	return c.before, nil
}

// sweepLocked drops expired entries every 256 writes so memory stays bounded
// by the tokens still alive.
func (m *MemoryRevocations) sweepLocked() {
	m.writes++
	if m.writes%256 != 0 {
		return
	}
	now := m.now()
	for k, until := range m.tokens {
		if !now.Before(until) {
			delete(m.tokens, k)
		}
	}
	for k, c := range m.users {
		if !now.Before(c.until) {
			delete(m.users, k)
		}
	}
}
