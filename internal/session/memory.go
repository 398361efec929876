package session

import (
	"context"
	"fmt"
	"sync"
	"time"
)

// Memory is the in-process Store (the plan's InMemoryPamInstanceStore).
type Memory struct {
	mu     sync.Mutex
	ttl    time.Duration
	now    func() time.Time
	states map[string]State
	writes int
}

var _ Store = (*Memory)(nil)

// NewMemory returns an empty in-process store forgetting state idle for ttl (DefaultTTL when ≤ 0).
func NewMemory(ttl time.Duration) *Memory {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Memory{ttl: ttl, now: time.Now, states: map[string]State{}}
}

// Get implements Store.
func (m *Memory) Get(_ context.Context, userID string) (State, bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	st, ok := m.states[userID]
	if !ok || m.now().Sub(st.LastActive) >= m.ttl {
		return State{}, false, nil
	}
	st.Context = append([]byte(nil), st.Context...)
	return st, true, nil
}

// Put implements Store.
func (m *Memory) Put(_ context.Context, st State) error {
	if err := check(st); err != nil {
		return err
	}
	if st.LastActive.IsZero() {
		st.LastActive = m.now()
	}
	st.Context = append([]byte(nil), st.Context...)
	m.mu.Lock()
	defer m.mu.Unlock()
	m.states[st.UserID] = st
	m.sweepLocked()
	return nil
}

// Touch implements Store.
func (m *Memory) Touch(_ context.Context, userID string, at time.Time) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	st := m.states[userID]
	st.UserID = userID
	if at.After(st.LastActive) {
		st.LastActive = at
	}
	m.states[userID] = st
	m.sweepLocked()
	return nil
}

// Delete implements Store.
func (m *Memory) Delete(_ context.Context, userID string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.states, userID)
	return nil
}

// sweepLocked drops idle users every 1024 writes so memory stays bounded.
func (m *Memory) sweepLocked() {
	m.writes++
	if m.writes%1024 != 0 {
		return
	}
	now := m.now()
	for k, st := range m.states {
		if now.Sub(st.LastActive) >= m.ttl {
			delete(m.states, k)
		}
	}
}

func check(st State) error {
	if st.UserID == "" {
		return fmt.Errorf("session: state without a user id")
	}
	if len(st.Context) > MaxContextBytes {
		return fmt.Errorf("session: context snapshot of %d bytes exceeds %d", len(st.Context), MaxContextBytes)
	}
	return nil
}
