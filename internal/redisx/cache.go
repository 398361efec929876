package redisx

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pamtravel/pam/internal/cache"
)

// Cache is cache.Cache on Redis, shared by every instance. Each key holds the
// store time, the TTL and the value, and lives TTL + the stale window, so a
// stale copy stays readable through GetStale.
//
// While Redis is unreachable reads miss (callers fall through to the
// database) and writes fail; invalidations that failed are remembered and
// replayed when Redis is back, so a profile changed during an outage does not
// leave another instance's old context cached.
type Cache struct {
	c     *Client
	stale time.Duration
	now   func() time.Time

	mu      sync.Mutex
	pending map[string]bool // key or prefix (true) whose invalidation failed

	hits, misses atomic.Int64
}

var _ cache.Cache = (*Cache)(nil)

// NewCache returns a Redis cache whose stale copies outlive their TTL by stale (default 24 h).
func NewCache(c *Client, stale time.Duration) *Cache {
	if stale <= 0 {
		stale = 24 * time.Hour
	}
	rc := &Cache{c: c, stale: stale, now: time.Now, pending: map[string]bool{}}
	c.OnReconnect(func() { rc.replayInvalidations(context.Background()) })
	return rc
}

const headerLen = 16 // stored-at ms, ttl ms

func (rc *Cache) key(k string) string { return rc.c.Prefix + "cache:" + k }

func encodeEntry(storedAt time.Time, ttl time.Duration, v []byte) []byte {
	b := make([]byte, headerLen+len(v))
	binary.BigEndian.PutUint64(b[0:8], uint64(storedAt.UnixMilli()))
	binary.BigEndian.PutUint64(b[8:16], uint64(ttl.Milliseconds()))
	copy(b[headerLen:], v)
	return b
}

func decodeEntry(b []byte, now time.Time) (cache.Entry, bool) {
	if len(b) < headerLen {
		return cache.Entry{}, false
	}
	stored := time.UnixMilli(int64(binary.BigEndian.Uint64(b[0:8])))
	ttl := time.Duration(binary.BigEndian.Uint64(b[8:16])) * time.Millisecond
	return cache.Entry{Value: b[headerLen:], StoredAt: stored, Fresh: now.Before(stored.Add(ttl))}, true
}

func (rc *Cache) read(ctx context.Context, key string) (cache.Entry, bool) {
	b, err := rc.c.RDB.Get(ctx, rc.key(key)).Bytes()
	if err != nil {
		return cache.Entry{}, false // a miss, or Redis down: fall through to the source
	}
	return decodeEntry(b, rc.now())
}

// Get implements cache.Cache.
func (rc *Cache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	e, ok := rc.read(ctx, key)
	if !ok || !e.Fresh {
		rc.misses.Add(1)
		return nil, false, nil
	}
	rc.hits.Add(1)
	return e.Value, true, nil
}

// Stats returns this instance's fresh hits and misses.
func (rc *Cache) Stats() (hits, misses int64) { return rc.hits.Load(), rc.misses.Load() }

// GetStale implements cache.Cache.
func (rc *Cache) GetStale(ctx context.Context, key string) (cache.Entry, bool, error) {
	e, ok := rc.read(ctx, key)
	return e, ok, nil
}

// Set implements cache.Cache.
func (rc *Cache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if ttl <= 0 {
		return nil
	}
	if err := rc.c.RDB.Set(ctx, rc.key(key), encodeEntry(rc.now(), ttl, value), ttl+rc.stale).Err(); err != nil {
		return fmt.Errorf("redis cache set: %w", err)
	}
	return nil
}

// Delete implements cache.Cache.
func (rc *Cache) Delete(ctx context.Context, key string) error {
	if err := rc.c.RDB.Del(ctx, rc.key(key)).Err(); err != nil {
		rc.remember(key, false)
		return fmt.Errorf("redis cache delete: %w", err)
	}
	return nil
}

// DeletePrefix implements cache.Cache with SCAN + UNLINK (never KEYS, which blocks Redis).
func (rc *Cache) DeletePrefix(ctx context.Context, prefix string) error {
	if err := rc.deletePrefix(ctx, prefix); err != nil {
		rc.remember(prefix, true)
		return err
	}
	return nil
}

func (rc *Cache) deletePrefix(ctx context.Context, prefix string) error {
	pattern := escapeGlob(rc.key(prefix)) + "*"
	var cursor uint64
	for {
		keys, next, err := rc.c.RDB.Scan(ctx, cursor, pattern, 500).Result()
		if err != nil {
			return fmt.Errorf("redis cache delete prefix: %w", err)
		}
		if len(keys) > 0 {
			if err := rc.c.RDB.Unlink(ctx, keys...).Err(); err != nil {
				return fmt.Errorf("redis cache delete prefix: %w", err)
			}
		}
		if next == 0 {
			return nil
		}
		cursor = next
	}
}

func (rc *Cache) remember(k string, prefix bool) {
	rc.mu.Lock()
	defer rc.mu.Unlock()
	if len(rc.pending) < 100_000 {
		rc.pending[k] = rc.pending[k] || prefix
	}
}

// replayInvalidations re-sends invalidations that failed while Redis was down.
func (rc *Cache) replayInvalidations(ctx context.Context) {
	rc.mu.Lock()
	todo := rc.pending
	rc.pending = map[string]bool{}
	rc.mu.Unlock()
	for k, prefix := range todo {
		var err error
		if prefix {
			err = rc.deletePrefix(ctx, k)
		} else {
			err = rc.c.RDB.Del(ctx, rc.key(k)).Err()
		}
		if err != nil && !errors.Is(err, redis.Nil) {
			rc.remember(k, prefix)
		}
	}
}

// escapeGlob quotes the glob metacharacters of a SCAN MATCH pattern.
func escapeGlob(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '*', '?', '[', ']', '\\':
			out = append(out, '\\')
		}
		out = append(out, s[i])
	}
	return string(out)
}
