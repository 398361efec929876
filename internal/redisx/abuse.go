package redisx

import (
	"context"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pamtravel/pam/internal/safety"
)

// Abuse is safety.AbuseTracker kept in Redis: a user's injection attempts
// are counted, and their block held, once for every instance, with the same
// rules as safety.Abuse (Threshold attempts within Window block for
// BlockFor). While Redis is unreachable the instance's own tracker answers.
type Abuse struct {
	c        *Client
	cfg      safety.AbuseConfig
	fallback *safety.Abuse
}

var _ safety.AbuseTracker = (*Abuse)(nil)

// NewAbuse returns a shared tracker with local's settings, answering with
// local while Redis is down.
func NewAbuse(c *Client, local *safety.Abuse) *Abuse {
	return &Abuse{c: c, cfg: local.Config(), fallback: local}
}

// abuseCallTimeout bounds one Redis call of the tracker: the message path
// waits for it, and the local tracker answers instead when it runs out.
const abuseCallTimeout = 500 * time.Millisecond

// recordAttempt: KEYS attempts, block, users; ARGV window ms, threshold,
// block ms, member nonce, user id. Returns the block's remaining ms (0: none).
// The users seen are kept for the longer of the window and the block.
var recordAttempt = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local window, threshold, blockFor = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', now - window)
redis.call('ZADD', KEYS[1], now, now .. ':' .. ARGV[4])
redis.call('PEXPIRE', KEYS[1], window)
local keep = math.max(window, blockFor)
redis.call('ZREMRANGEBYSCORE', KEYS[3], '-inf', now - keep)
redis.call('ZADD', KEYS[3], now, ARGV[5])
redis.call('PEXPIRE', KEYS[3], keep)
local ttl = redis.call('PTTL', KEYS[2])
if ttl > 0 then return ttl end
if redis.call('ZCARD', KEYS[1]) >= threshold then
  redis.call('SET', KEYS[2], '1', 'PX', blockFor)
  return blockFor
end
return 0`)

func (a *Abuse) keys(userID string) (attempts, block string) {
	return a.c.Prefix + "abuse:n:" + userID, a.c.Prefix + "abuse:block:" + userID
}

func (a *Abuse) usersKey() string { return a.c.Prefix + "abuse:users" }

func (a *Abuse) ctx() (context.Context, context.CancelFunc) {
	return context.WithTimeout(context.Background(), abuseCallTimeout)
}

// Record implements safety.AbuseTracker.
func (a *Abuse) Record(userID string, v safety.Verdict) (bool, time.Duration) {
	if v.Decision == safety.Allow {
		return a.Blocked(userID)
	}
	if !a.c.Healthy() {
		return a.fallback.Record(userID, v)
	}
	// This instance's own tracker counts too, so that a blip of Redis does
	// not forget the attempts made here.
	localBlocked, localFor := a.fallback.Record(userID, v)
	ctx, cancel := a.ctx()
	defer cancel()
	attempts, block := a.keys(userID)
	ms, err := recordAttempt.Run(ctx, a.c.RDB, []string{attempts, block, a.usersKey()},
		a.cfg.Window.Milliseconds(), a.cfg.Threshold, a.cfg.BlockFor.Milliseconds(), newMember(), userID).Int64()
	if err != nil {
		return localBlocked, localFor
	}
	return ms > 0, time.Duration(ms) * time.Millisecond
}

// Blocked implements safety.AbuseTracker.
func (a *Abuse) Blocked(userID string) (bool, time.Duration) {
	if !a.c.Healthy() {
		return a.fallback.Blocked(userID)
	}
	ctx, cancel := a.ctx()
	defer cancel()
	_, block := a.keys(userID)
	ttl, err := a.c.RDB.PTTL(ctx, block).Result()
	if err != nil {
		return a.fallback.Blocked(userID)
	}
	return ttl > 0, max(ttl, 0)
}

// Status implements safety.AbuseTracker: the users seen within the longer
// of the window and the block.
func (a *Abuse) Status() []safety.AbuseStatus {
	if !a.c.Healthy() {
		return a.fallback.Status()
	}
	ctx, cancel := a.ctx()
	defer cancel()
	now := time.Now()
	recent := now.Add(-max(a.cfg.Window, a.cfg.BlockFor)).UnixMilli()
	users, err := a.c.RDB.ZRangeByScore(ctx, a.usersKey(), &redis.ZRangeBy{Min: itoa(recent), Max: "+inf"}).Result()
	if err != nil {
		return a.fallback.Status()
	}
	out := make([]safety.AbuseStatus, 0, len(users))
	for _, id := range users {
		if s, ok := a.standing(ctx, id, now); ok {
			out = append(out, s)
		}
	}
	a.c.RDB.ZRemRangeByScore(ctx, a.usersKey(), "-inf", itoa(recent))
	safety.SortStatus(out)
	return out
}

// standing reads one user's attempts in the window and block.
func (a *Abuse) standing(ctx context.Context, userID string, now time.Time) (safety.AbuseStatus, bool) {
	attempts, block := a.keys(userID)
	from := itoa(now.Add(-a.cfg.Window).UnixMilli())
	var n *redis.IntCmd
	var last *redis.ZSliceCmd
	var ttl *redis.DurationCmd
	_, err := a.c.RDB.Pipelined(ctx, func(p redis.Pipeliner) error {
		n = p.ZCount(ctx, attempts, "("+from, "+inf")
		last = p.ZRangeWithScores(ctx, attempts, -1, -1)
		ttl = p.PTTL(ctx, block)
		return nil
	})
	if err != nil {
		return safety.AbuseStatus{}, false
	}
	s := safety.AbuseStatus{UserID: userID, Attempts: int(n.Val()), Blocked: ttl.Val() > 0}
	if s.Blocked {
		s.BlockedUntil = now.Add(ttl.Val())
	}
	if z := last.Val(); len(z) == 1 && s.Attempts > 0 {
		s.LastAttempt = time.UnixMilli(int64(z[0].Score))
	}
	return s, s.Attempts > 0 || s.Blocked
}

// Reset implements safety.AbuseTracker, on every instance and this one's own.
func (a *Abuse) Reset(userID string) {
	a.fallback.Reset(userID)
	ctx, cancel := a.ctx()
	defer cancel()
	attempts, block := a.keys(userID)
	a.c.RDB.Del(ctx, attempts, block)
	a.c.RDB.ZRem(ctx, a.usersKey(), userID)
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
