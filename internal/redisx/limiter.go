package redisx

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pamtravel/pam/internal/ratelimit"
)

// Limiter is ratelimit.Limiter counted in Redis, so a user spread over
// several instances is limited once. It is the same sliding-window counter as
// ratelimit.Memory (current window plus the weighted previous one), done
// atomically in one Lua script on Redis's clock, so instance clocks do not
// matter. While Redis is unreachable it counts in this instance only (the
// fallback), which /readyz reports as degraded.
type Limiter struct {
	c        *Client
	fallback ratelimit.Limiter
}

var _ ratelimit.Limiter = (*Limiter)(nil)

// NewLimiter returns a global limiter falling back to fallback (a
// ratelimit.Memory when nil) while Redis is down.
func NewLimiter(c *Client, fallback ratelimit.Limiter) *Limiter {
	if fallback == nil {
		fallback = ratelimit.NewMemory()
	}
	return &Limiter{c: c, fallback: fallback}
}

// slidingWindow: KEYS[1] base key; ARGV limit, window ms. Returns {allowed, retry ms}.
var slidingWindow = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local limit = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local idx = math.floor(now / window)
local elapsed = now - idx * window
local curKey = KEYS[1] .. ':' .. idx
local prevKey = KEYS[1] .. ':' .. (idx - 1)
local cur = tonumber(redis.call('GET', curKey) or '0')
local prev = tonumber(redis.call('GET', prevKey) or '0')
local est = prev * (window - elapsed) / window + cur
if est + 1 > limit then
  local retry = window - elapsed
  if cur < limit and prev > 0 then
    retry = math.ceil((est + 1 - limit) / prev * window)
  end
  return {0, retry}
end
redis.call('INCR', curKey)
redis.call('PEXPIRE', curKey, window * 2)
return {1, 0}`)

// Allow implements ratelimit.Limiter.
func (l *Limiter) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	if !l.c.Healthy() {
		return l.fallback.Allow(ctx, key, limit, window)
	}
	res, err := slidingWindow.Run(ctx, l.c.RDB, []string{l.c.Prefix + "rl:" + key}, limit, window.Milliseconds()).Int64Slice()
	if err != nil || len(res) != 2 {
		if ctx.Err() != nil {
			return false, 0, fmt.Errorf("redis limiter: %w", ctx.Err())
		}
		return l.fallback.Allow(ctx, key, limit, window)
	}
	if res[0] == 1 {
		return true, 0, nil
	}
	retry := time.Duration(res[1]) * time.Millisecond
	if retry < time.Second {
		retry = time.Second
	}
	return false, retry, nil
}

// Concurrency caps work in flight per key (a user's concurrent turns) across
// instances. Each slot is a member of a sorted set scored by its expiry, so a
// slot held by a crashed instance frees itself after the lease.
type Concurrency struct {
	c        *Client
	lease    time.Duration
	fallback ratelimit.Concurrency
}

var _ ratelimit.Concurrency = (*Concurrency)(nil)

// NewConcurrency returns a global concurrency cap whose slots expire after
// lease (default 2 min) if never released.
func NewConcurrency(c *Client, lease time.Duration, fallback ratelimit.Concurrency) *Concurrency {
	if lease <= 0 {
		lease = 2 * time.Minute
	}
	if fallback == nil {
		fallback = ratelimit.NewMemoryConcurrency()
	}
	return &Concurrency{c: c, lease: lease, fallback: fallback}
}

// acquireSlot: KEYS[1] zset; ARGV limit, lease ms, member. Returns 1 when taken.
var acquireSlot = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now)
if redis.call('ZCARD', KEYS[1]) >= tonumber(ARGV[1]) then return 0 end
redis.call('ZADD', KEYS[1], now + tonumber(ARGV[2]), ARGV[3])
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[2]))
return 1`)

// Acquire implements ratelimit.Concurrency.
func (cc *Concurrency) Acquire(ctx context.Context, key string, limit int) (func(), bool, error) {
	if !cc.c.Healthy() {
		return cc.fallback.Acquire(ctx, key, limit)
	}
	zkey := cc.c.Prefix + "cc:" + key
	member := newMember()
	n, err := acquireSlot.Run(ctx, cc.c.RDB, []string{zkey}, limit, cc.lease.Milliseconds(), member).Int()
	if err != nil {
		if ctx.Err() != nil {
			return nil, false, fmt.Errorf("redis concurrency: %w", ctx.Err())
		}
		return cc.fallback.Acquire(ctx, key, limit)
	}
	if n == 0 {
		return nil, false, nil
	}
	release := func() {
		rctx, cancel := context.WithTimeout(context.Background(), time.Second)
		defer cancel()
		_ = cc.c.RDB.ZRem(rctx, zkey, member).Err() // on failure the lease frees it
	}
	return release, true, nil
}
