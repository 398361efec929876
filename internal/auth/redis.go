package auth

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// RedisRevocations keeps revocations in Redis so every instance honours them.
// Entries expire with the tokens they cover. Every revocation is mirrored in
// process, so while Redis is unreachable the revocations made on this
// instance still hold (reads then answer from the mirror: degraded, not open).
type RedisRevocations struct {
	rdb    redis.Cmdable
	prefix string
	mirror *MemoryRevocations
	now    func() time.Time
}

var _ Revocations = (*RedisRevocations)(nil)

// NewRedisRevocations returns revocations stored under keys starting with prefix (e.g. "pam:auth:").
func NewRedisRevocations(rdb redis.Cmdable, prefix string) *RedisRevocations {
	return &RedisRevocations{rdb: rdb, prefix: prefix, mirror: NewMemoryRevocations(), now: time.Now}
}

func (r *RedisRevocations) tokenKey(id string) string { return r.prefix + "revoked:" + id }
func (r *RedisRevocations) userKey(id string) string  { return r.prefix + "revoked-before:" + id }

// Revoke implements Revocations.
func (r *RedisRevocations) Revoke(ctx context.Context, tokenID string, until time.Time) error {
	_ = r.mirror.Revoke(ctx, tokenID, until)
	ttl := until.Sub(r.now())
	if ttl <= 0 {
		return nil
	}
	if err := r.rdb.Set(ctx, r.tokenKey(tokenID), "1", ttl).Err(); err != nil {
		return fmt.Errorf("redis revoke: %w", err)
	}
	return nil
}

// IsRevoked implements Revocations.
func (r *RedisRevocations) IsRevoked(ctx context.Context, tokenID string) (bool, error) {
	n, err := r.rdb.Exists(ctx, r.tokenKey(tokenID)).Result()
	if err != nil {
		return r.mirror.IsRevoked(ctx, tokenID)
	}
	return n > 0, nil
}

// keepLatest sets KEYS[1] to ARGV[1] (ms) unless it holds a later cut-off,
// and extends its life to ARGV[2] ms.
var keepLatest = redis.NewScript(`
local cur = redis.call('GET', KEYS[1])
if (not cur) or tonumber(cur) < tonumber(ARGV[1]) then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
else
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
end
return 1`)

// RevokeUser implements Revocations.
func (r *RedisRevocations) RevokeUser(ctx context.Context, userID string, before, until time.Time) error {
	_ = r.mirror.RevokeUser(ctx, userID, before, until)
	ttl := until.Sub(r.now())
	if ttl <= 0 {
		return nil
	}
	err := keepLatest.Run(ctx, r.rdb, []string{r.userKey(userID)}, before.UnixMilli(), ttl.Milliseconds()).Err()
	if err != nil {
		return fmt.Errorf("redis revoke user: %w", err)
	}
	return nil
}

// RevokedBefore implements Revocations.
func (r *RedisRevocations) RevokedBefore(ctx context.Context, userID string) (time.Time, error) {
	v, err := r.rdb.Get(ctx, r.userKey(userID)).Result()
	if errors.Is(err, redis.Nil) {
		return time.Time{}, nil
	}
	if err != nil {
		return r.mirror.RevokedBefore(ctx, userID)
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, fmt.Errorf("redis revoked-before %q: %w", v, err)
	}
	return time.UnixMilli(ms), nil
}

// RedisActivity shares session activity between instances for the idle
// timeout. When Redis is unreachable activity is unknown, and a session's
// idleness is then judged from its token's issue time.
type RedisActivity struct {
	rdb     redis.Cmdable
	prefix  string
	horizon time.Duration
}

var _ Activity = (*RedisActivity)(nil)

// NewRedisActivity returns an Activity stored under prefix, forgetting
// sessions idle for twice the idle timeout.
func NewRedisActivity(rdb redis.Cmdable, prefix string, idleTimeout time.Duration) *RedisActivity {
	return &RedisActivity{rdb: rdb, prefix: prefix, horizon: 2 * idleTimeout}
}

func (a *RedisActivity) key(session string) string { return a.prefix + "active:" + session }

// Touch implements Activity.
func (a *RedisActivity) Touch(ctx context.Context, sessionID string, at time.Time) {
	_ = keepLatest.Run(ctx, a.rdb, []string{a.key(sessionID)}, at.UnixMilli(), a.horizon.Milliseconds()).Err()
}

// LastActive implements Activity.
func (a *RedisActivity) LastActive(ctx context.Context, sessionID string) (time.Time, bool) {
	v, err := a.rdb.Get(ctx, a.key(sessionID)).Result()
	if err != nil {
		return time.Time{}, false
	}
	ms, err := strconv.ParseInt(v, 10, 64)
	if err != nil {
		return time.Time{}, false
	}
	return time.UnixMilli(ms), true
}
