package cache

import (
	"context"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// MemoryOptions configure a Memory cache. Zero fields take the defaults.
type MemoryOptions struct {
	StaleFor   time.Duration    // how long a stale copy outlives its TTL; default 24 h
	MaxEntries int              // beyond it, expired then oldest entries are evicted; default 100,000
	Now        func() time.Time // clock, for tests
}

// Memory is the in-process Cache: one instance only, lost on restart.
type Memory struct {
	mu       sync.RWMutex
	items    map[string]item
	staleFor time.Duration
	max      int
	now      func() time.Time

	hits, misses atomic.Int64
}

type item struct {
	value    []byte
	storedAt time.Time
	freshTil time.Time
	keepTil  time.Time
}

var _ Cache = (*Memory)(nil)

// NewMemory returns an empty memory cache.
func NewMemory(o MemoryOptions) *Memory {
	if o.StaleFor <= 0 {
		o.StaleFor = 24 * time.Hour
	}
	if o.MaxEntries <= 0 {
		o.MaxEntries = 100_000
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return &Memory{items: map[string]item{}, staleFor: o.StaleFor, max: o.MaxEntries, now: o.Now}
}

// Get implements Cache.
func (m *Memory) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	m.mu.RLock()
	it, ok := m.items[key]
	m.mu.RUnlock()
	if !ok || !m.now().Before(it.freshTil) {
		m.misses.Add(1)
		return nil, false, nil
	}
	m.hits.Add(1)
	return it.value, true, nil
}

// GetStale implements Cache.
func (m *Memory) GetStale(ctx context.Context, key string) (Entry, bool, error) {
	if err := ctx.Err(); err != nil {
		return Entry{}, false, err
	}
	m.mu.RLock()
	it, ok := m.items[key]
	m.mu.RUnlock()
	now := m.now()
	if !ok || !now.Before(it.keepTil) {
		return Entry{}, false, nil
	}
	return Entry{Value: it.value, StoredAt: it.storedAt, Fresh: now.Before(it.freshTil)}, true, nil
}

// Set implements Cache. The value is copied.
func (m *Memory) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	now := m.now()
	it := item{value: append([]byte(nil), value...), storedAt: now, freshTil: now.Add(ttl), keepTil: now.Add(ttl + m.staleFor)}
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, exists := m.items[key]; !exists && len(m.items) >= m.max {
		m.evictLocked(now)
	}
	m.items[key] = it
	return nil
}

// evictLocked makes room by sampling (as Redis does): among up to
// evictSample entries it drops the expired ones, or else the oldest, so a full
// cache costs O(sample) per insert rather than a scan of every entry.
func (m *Memory) evictLocked(now time.Time) {
	var oldestKey string
	var oldest time.Time
	removed, seen := false, 0
	for k, it := range m.items { // map iteration order is random: a fair sample
		if seen++; seen > evictSample {
			break
		}
		if !now.Before(it.keepTil) {
			delete(m.items, k)
			removed = true
			continue
		}
		if oldestKey == "" || it.storedAt.Before(oldest) {
			oldestKey, oldest = k, it.storedAt
		}
	}
	if !removed && oldestKey != "" {
		delete(m.items, oldestKey)
	}
}

const evictSample = 32

// Delete implements Cache.
func (m *Memory) Delete(ctx context.Context, key string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	delete(m.items, key)
	m.mu.Unlock()
	return nil
}

// DeletePrefix implements Cache.
func (m *Memory) DeletePrefix(ctx context.Context, prefix string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	for k := range m.items {
		if strings.HasPrefix(k, prefix) {
			delete(m.items, k)
		}
	}
	return nil
}

// Stats reports fresh-read hits and misses since start.
func (m *Memory) Stats() (hits, misses int64) { return m.hits.Load(), m.misses.Load() }

// Len is the number of entries held, fresh or stale.
func (m *Memory) Len() int {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return len(m.items)
}
