package compat

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"time"
)

// Backing is the store a Shared memo writes through so that every instance
// sees the same entries: PAM's cache (Redis when configured) satisfies it.
// A Delete that fails is expected to be carried out once the store is back
// (redisx.Cache remembers it).
type Backing interface {
	Get(ctx context.Context, key string) ([]byte, bool, error)
	Set(ctx context.Context, key string, value []byte, ttl time.Duration) error
	Delete(ctx context.Context, key string) error
}

// Shared is a Memo whose entries also live in a shared Backing, so what the
// app expects PAM to remember (which conversation a session_id is, the
// context a user PUT) holds behind a load balancer: a chat that lands on
// another instance continues the same conversation. The local Memo answers
// when the backing store fails or has no entry (a write made while it was
// down), so an outage degrades to the per-instance memory, never to an error.
type Shared[V any] struct {
	local  *Memo[V]
	back   Backing // nil: this instance only
	prefix string
	ttl    time.Duration
}

// NewShared returns a Shared memo keeping entries for ttl after their last
// write, up to max of them locally, under prefix in back (nil: local only).
func NewShared[V any](back Backing, prefix string, ttl time.Duration, max int) *Shared[V] {
	return &Shared[V]{local: NewMemo[V](ttl, max), back: back, prefix: prefix, ttl: ttl}
}

// sharedKey keeps app-chosen text (a session_id) out of the shared store's
// key space: a fixed-length digest under the memo's prefix.
func (s *Shared[V]) sharedKey(key string) string {
	sum := sha256.Sum256([]byte(key))
	return s.prefix + hex.EncodeToString(sum[:16])
}

// Get returns the value under key: the shared copy when the backing store
// has one, else this instance's.
func (s *Shared[V]) Get(ctx context.Context, key string) (V, bool) {
	if s.back != nil {
		b, ok, err := s.back.Get(ctx, s.sharedKey(key))
		var v V
		if err == nil && ok && json.Unmarshal(b, &v) == nil {
			return v, true
		}
	}
	return s.local.Get(key, time.Now())
}

// Put stores v under key here and, best effort, in the backing store. When
// that fails the shared copy, now older than this one, is deleted, so that
// the local copy answers here once the store is back.
func (s *Shared[V]) Put(ctx context.Context, key string, v V) {
	s.local.Put(key, v, time.Now())
	if s.back == nil {
		return
	}
	b, err := json.Marshal(v)
	if err == nil {
		err = s.back.Set(ctx, s.sharedKey(key), b, s.ttl)
	}
	if err != nil {
		_ = s.back.Delete(ctx, s.sharedKey(key))
	}
}

// Delete removes key here and from the backing store.
func (s *Shared[V]) Delete(ctx context.Context, key string) {
	s.local.Delete(key)
	if s.back != nil {
		_ = s.back.Delete(ctx, s.sharedKey(key))
	}
}
