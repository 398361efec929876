package auth

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

// memUsers is an in-memory Users with the store's semantics.
type memUsers struct {
	mu     sync.Mutex
	users  map[string]*store.User
	tokens map[string]*store.RefreshToken
	n      int
}

func newMemUsers() *memUsers {
	return &memUsers{users: map[string]*store.User{}, tokens: map[string]*store.RefreshToken{}}
}

func (m *memUsers) CreateUser(_ context.Context, u *store.User) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.users {
		if strings.EqualFold(x.Email, u.Email) {
			return fmt.Errorf("create user: %w", store.ErrConflict)
		}
	}
	m.n++
	u.ID = fmt.Sprintf("user-%d", m.n)
	cp := *u
	m.users[u.ID] = &cp
	return nil
}

func (m *memUsers) UserByEmail(_ context.Context, email string) (*store.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, x := range m.users {
		if strings.EqualFold(x.Email, email) {
			cp := *x
			return &cp, nil
		}
	}
	return nil, fmt.Errorf("user: %w", store.ErrNotFound)
}

func (m *memUsers) UserByID(_ context.Context, id string) (*store.User, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if x, ok := m.users[id]; ok {
		cp := *x
		return &cp, nil
	}
	return nil, fmt.Errorf("user: %w", store.ErrNotFound)
}

func (m *memUsers) CreateRefreshToken(_ context.Context, t *store.RefreshToken) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	cp := *t
	m.tokens[t.Hash] = &cp
	return nil
}

func (m *memUsers) RefreshTokenByHash(_ context.Context, hash string) (*store.RefreshToken, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if t, ok := m.tokens[hash]; ok {
		cp := *t
		return &cp, nil
	}
	return nil, fmt.Errorf("refresh token: %w", store.ErrNotFound)
}

func (m *memUsers) UseRefreshToken(_ context.Context, hash string, at time.Time) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.tokens[hash]
	if !ok || t.UsedAt != nil || t.RevokedAt != nil {
		return false, nil
	}
	t.UsedAt = &at
	return true, nil
}

func (m *memUsers) RevokeRefreshFamily(_ context.Context, family string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.tokens {
		if t.FamilyID == family && t.RevokedAt == nil {
			t.RevokedAt = &at
		}
	}
	return nil
}

func (m *memUsers) RevokeUserRefreshTokens(_ context.Context, userID string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.tokens {
		if t.UserID == userID && t.RevokedAt == nil {
			t.RevokedAt = &at
		}
	}
	return nil
}

// clock is a settable test clock.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}
