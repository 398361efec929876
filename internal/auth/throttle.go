package auth

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// LoginLimiter counts failed logins per key (an account or a client address)
// in a sliding window. The Service uses an in-process one by default; a
// RedisLoginLimiter makes the limit hold across instances.
type LoginLimiter interface {
	// Blocked returns how long key must wait before trying again, zero when it may try.
	Blocked(ctx context.Context, key string, now time.Time) (time.Duration, error)
	Fail(ctx context.Context, key string, now time.Time) error
	Reset(ctx context.Context, key string) error
}

// memoryLimiter is the in-process LoginLimiter.
type memoryLimiter struct {
	mu     sync.Mutex
	max    int
	window time.Duration
	fails  map[string][]time.Time
	writes int
}

func newMemoryLimiter(max int, window time.Duration) *memoryLimiter {
	return &memoryLimiter{max: max, window: window, fails: map[string][]time.Time{}}
}

func (t *memoryLimiter) Blocked(_ context.Context, key string, now time.Time) (time.Duration, error) {
	t.mu.Lock()
	defer t.mu.Unlock()
	ts := t.pruneLocked(key, now)
	if len(ts) < t.max {
		return 0, nil
	}
	return waitFor(ts[len(ts)-t.max], t.window, now), nil
}

func (t *memoryLimiter) Fail(_ context.Context, key string, now time.Time) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	t.fails[key] = append(t.pruneLocked(key, now), now)
	t.writes++
	if t.writes%1024 == 0 {
		for k := range t.fails {
			t.pruneLocked(k, now)
		}
	}
	return nil
}

func (t *memoryLimiter) Reset(_ context.Context, key string) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	delete(t.fails, key)
	return nil
}

func (t *memoryLimiter) pruneLocked(key string, now time.Time) []time.Time {
	ts := t.fails[key]
	cut := now.Add(-t.window)
	i := 0
	for i < len(ts) && !ts[i].After(cut) {
		i++
	}
	ts = ts[i:]
	if len(ts) == 0 {
		delete(t.fails, key)
		return nil
	}
	t.fails[key] = ts
	return ts
}

// waitFor is how long until the failure at oldest leaves the window (at least a second).
func waitFor(oldest time.Time, window time.Duration, now time.Time) time.Duration {
	wait := oldest.Add(window).Sub(now)
	if wait < time.Second {
		wait = time.Second
	}
	return wait
}

// RedisLoginLimiter keeps failed logins in Redis sorted sets (one per key,
// scored by time), shared by every instance. Failures are mirrored in
// process: while Redis is unreachable the limit holds per instance.
type RedisLoginLimiter struct {
	rdb    redis.Cmdable
	prefix string
	max    int
	window time.Duration
	mirror *memoryLimiter
}

var _ LoginLimiter = (*RedisLoginLimiter)(nil)

// NewRedisLoginLimiter returns a limiter allowing max failures per key in window.
func NewRedisLoginLimiter(rdb redis.Cmdable, prefix string, max int, window time.Duration) *RedisLoginLimiter {
	return &RedisLoginLimiter{rdb: rdb, prefix: prefix + "login-fail:", max: max, window: window, mirror: newMemoryLimiter(max, window)}
}

// Blocked implements LoginLimiter.
func (l *RedisLoginLimiter) Blocked(ctx context.Context, key string, now time.Time) (time.Duration, error) {
	k := l.prefix + key
	cut := strconv.FormatInt(now.Add(-l.window).UnixMicro(), 10)
	// The max-th newest failure inside the window decides the wait.
	zs, err := l.rdb.ZRevRangeByScoreWithScores(ctx, k, &redis.ZRangeBy{Min: "(" + cut, Max: "+inf", Count: int64(l.max)}).Result()
	if err != nil {
		return l.mirror.Blocked(ctx, key, now)
	}
	if len(zs) < l.max {
		return 0, nil
	}
	return waitFor(time.UnixMicro(int64(zs[l.max-1].Score)), l.window, now), nil
}

// Fail implements LoginLimiter.
func (l *RedisLoginLimiter) Fail(ctx context.Context, key string, now time.Time) error {
	_ = l.mirror.Fail(ctx, key, now)
	k := l.prefix + key
	_, err := l.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.ZAdd(ctx, k, redis.Z{Score: float64(now.UnixMicro()), Member: strconv.FormatInt(now.UnixNano(), 36) + "-" + newID()[:6]})
		p.ZRemRangeByScore(ctx, k, "-inf", strconv.FormatInt(now.Add(-l.window).UnixMicro(), 10))
		p.PExpire(ctx, k, l.window)
		return nil
	})
	if err != nil {
		return fmt.Errorf("redis login failure: %w", err)
	}
	return nil
}

// Reset implements LoginLimiter.
func (l *RedisLoginLimiter) Reset(ctx context.Context, key string) error {
	_ = l.mirror.Reset(ctx, key)
	if err := l.rdb.Del(ctx, l.prefix+key).Err(); err != nil {
		return fmt.Errorf("redis login reset: %w", err)
	}
	return nil
}
