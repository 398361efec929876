package auth

import (
	"context"
	"sync"
	"time"
)

// Activity records when each session (token family) was last used, for the
// idle timeout. MemoryActivity serves one process; a shared implementation
// (Redis) makes the timeout hold across instances.
type Activity interface {
	Touch(ctx context.Context, sessionID string, at time.Time)
	LastActive(ctx context.Context, sessionID string) (time.Time, bool)
}

// MemoryActivity is an in-process Activity that forgets sessions idle longer
// than its horizon.
type MemoryActivity struct {
	mu      sync.Mutex
	horizon time.Duration
	last    map[string]time.Time
	touches int
}

// NewMemoryActivity returns an Activity that forgets entries older than horizon.
func NewMemoryActivity(horizon time.Duration) *MemoryActivity {
	return &MemoryActivity{horizon: horizon, last: map[string]time.Time{}}
}

// Touch implements Activity.
func (m *MemoryActivity) Touch(_ context.Context, sessionID string, at time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if at.After(m.last[sessionID]) {
		m.last[sessionID] = at
	}
	m.touches++
	if m.touches%1024 == 0 {
		for k, t := range m.last {
			if at.Sub(t) > 2*m.horizon {
				delete(m.last, k)
			}
		}
	}
}

// LastActive implements Activity.
func (m *MemoryActivity) LastActive(_ context.Context, sessionID string) (time.Time, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	t, ok := m.last[sessionID]
	return t, ok
}
