package ratelimit

import (
	"context"
	"sync"
)

// Concurrency caps how much work runs at once per key (10 concurrent turns a
// user by default). A Redis implementation shares the count between instances.
type Concurrency interface {
	// Acquire takes one of limit slots for key; ok is false when all are
	// taken. release must be called exactly once when ok.
	Acquire(ctx context.Context, key string, limit int) (release func(), ok bool, err error)
}

// MemoryConcurrency is an in-process Concurrency.
type MemoryConcurrency struct {
	mu   sync.Mutex
	held map[string]int
}

var _ Concurrency = (*MemoryConcurrency)(nil)

// NewMemoryConcurrency returns an in-process concurrency cap.
func NewMemoryConcurrency() *MemoryConcurrency {
	return &MemoryConcurrency{held: map[string]int{}}
}

// Acquire implements Concurrency.
func (m *MemoryConcurrency) Acquire(_ context.Context, key string, limit int) (func(), bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.held[key] >= limit {
		return nil, false, nil
	}
	m.held[key]++
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			defer m.mu.Unlock()
			if m.held[key]--; m.held[key] <= 0 {
				delete(m.held, key)
			}
		})
	}, true, nil
}

// Held returns the slots taken for key.
func (m *MemoryConcurrency) Held(key string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.held[key]
}
