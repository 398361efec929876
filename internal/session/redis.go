package session

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// Redis is the shared Store (the plan's RedisPamInstanceStore): one hash per
// user — lang, ctx, last (Unix ms) — expiring TTL after the last write.
type Redis struct {
	rdb    redis.Cmdable
	prefix string
	ttl    time.Duration
	now    func() time.Time
}

var _ Store = (*Redis)(nil)

// NewRedis returns a Store under keys "<prefix>session:<user>".
func NewRedis(rdb redis.Cmdable, prefix string, ttl time.Duration) *Redis {
	if ttl <= 0 {
		ttl = DefaultTTL
	}
	return &Redis{rdb: rdb, prefix: prefix, ttl: ttl, now: time.Now}
}

func (r *Redis) key(userID string) string { return r.prefix + "session:" + userID }

// Get implements Store.
func (r *Redis) Get(ctx context.Context, userID string) (State, bool, error) {
	h, err := r.rdb.HGetAll(ctx, r.key(userID)).Result()
	if err != nil {
		return State{}, false, fmt.Errorf("session get: %w", err)
	}
	if len(h) == 0 {
		return State{}, false, nil
	}
	st := State{UserID: userID, Language: h["lang"]}
	if c := h["ctx"]; c != "" {
		st.Context = []byte(c)
	}
	if ms, err := strconv.ParseInt(h["last"], 10, 64); err == nil {
		st.LastActive = time.UnixMilli(ms)
	}
	return st, true, nil
}

// Put implements Store.
func (r *Redis) Put(ctx context.Context, st State) error {
	if err := check(st); err != nil {
		return err
	}
	if st.LastActive.IsZero() {
		st.LastActive = r.now()
	}
	k := r.key(st.UserID)
	_, err := r.rdb.TxPipelined(ctx, func(p redis.Pipeliner) error {
		p.Del(ctx, k)
		p.HSet(ctx, k, "lang", st.Language, "ctx", string(st.Context), "last", st.LastActive.UnixMilli())
		p.PExpire(ctx, k, r.ttl)
		return nil
	})
	if err != nil {
		return fmt.Errorf("session put: %w", err)
	}
	return nil
}

// touchLatest keeps the later of the stored and given activity time and renews the TTL.
var touchLatest = redis.NewScript(`
local cur = tonumber(redis.call('HGET', KEYS[1], 'last') or '0')
if cur < tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'last', ARGV[1]) end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`)

// Touch implements Store.
func (r *Redis) Touch(ctx context.Context, userID string, at time.Time) error {
	err := touchLatest.Run(ctx, r.rdb, []string{r.key(userID)}, at.UnixMilli(), r.ttl.Milliseconds()).Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		return fmt.Errorf("session touch: %w", err)
	}
	return nil
}

// Delete implements Store.
func (r *Redis) Delete(ctx context.Context, userID string) error {
	if err := r.rdb.Del(ctx, r.key(userID)).Err(); err != nil {
		return fmt.Errorf("session delete: %w", err)
	}
	return nil
}
