package compat

import (
	"sync"
	"time"
)

// Memo is a bounded in-process map with a time to live, for what the app
// expects PAM to remember between requests: which conversation a session_id
// is, and the context a user last PUT. It is per instance; Shared puts one
// in front of the cache every instance sees.
type Memo[V any] struct {
	mu      sync.Mutex
	ttl     time.Duration
	max     int
	entries map[string]memoEntry[V]
}

type memoEntry[V any] struct {
	v       V
	expires time.Time
}

// NewMemo returns a Memo keeping up to max entries for ttl after their last write.
func NewMemo[V any](ttl time.Duration, max int) *Memo[V] {
	return &Memo[V]{ttl: ttl, max: max, entries: map[string]memoEntry[V]{}}
}

// Get returns the value under key while it lives.
func (m *Memo[V]) Get(key string, now time.Time) (V, bool) {
	m.mu.Lock()
	defer m.mu.Unlock()
	e, ok := m.entries[key]
	if !ok || now.After(e.expires) {
		var zero V
		return zero, false
	}
	return e.v, true
}

// Put stores v under key; when full it drops expired entries, then the one
// closest to expiry.
func (m *Memo[V]) Put(key string, v V, now time.Time) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if _, ok := m.entries[key]; !ok && len(m.entries) >= m.max {
		m.evict(now)
	}
	m.entries[key] = memoEntry[V]{v: v, expires: now.Add(m.ttl)}
}

// Delete removes key.
func (m *Memo[V]) Delete(key string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.entries, key)
}

func (m *Memo[V]) evict(now time.Time) {
	oldestKey, oldest := "", time.Time{}
	for k, e := range m.entries {
		if now.After(e.expires) {
			delete(m.entries, k)
			continue
		}
		if oldestKey == "" || e.expires.Before(oldest) {
			oldestKey, oldest = k, e.expires
		}
	}
	if len(m.entries) >= m.max && oldestKey != "" {
		delete(m.entries, oldestKey)
	}
}
