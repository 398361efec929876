package redisx

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/pamtravel/pam/internal/delivery"
)

// Spool is the maintenance spool shared by every instance: a Redis list of
// messages taken while the database was unreachable, drained in order by one
// instance at a time (a lock with a lease).
type Spool struct {
	c     *Client
	key   string
	lease time.Duration
}

var (
	_ delivery.Spool       = (*Spool)(nil)
	_ delivery.SpoolLocker = (*Spool)(nil)
)

// NewSpool returns the spool under "<prefix>spool".
func NewSpool(c *Client) *Spool {
	return &Spool{c: c, key: c.Prefix + "spool", lease: 2 * time.Minute}
}

// Push implements delivery.Spool.
func (s *Spool) Push(ctx context.Context, in delivery.Inbound) error {
	seq, err := s.c.RDB.Incr(ctx, s.key+":seq").Result()
	if err != nil {
		return fmt.Errorf("redis spool: %w", err)
	}
	raw, err := json.Marshal(delivery.Spooled{Seq: seq, In: in})
	if err != nil {
		return fmt.Errorf("redis spool: %w", err)
	}
	if err := s.c.RDB.RPush(ctx, s.key, raw).Err(); err != nil {
		return fmt.Errorf("redis spool: %w", err)
	}
	return nil
}

// Peek implements delivery.Spool.
func (s *Spool) Peek(ctx context.Context) (delivery.Spooled, bool, error) {
	raw, err := s.c.RDB.LIndex(ctx, s.key, 0).Bytes()
	if errors.Is(err, redis.Nil) {
		return delivery.Spooled{}, false, nil
	}
	if err != nil {
		return delivery.Spooled{}, false, fmt.Errorf("redis spool: %w", err)
	}
	var r delivery.Spooled
	if err := json.Unmarshal(raw, &r); err != nil {
		return delivery.Spooled{}, false, fmt.Errorf("redis spool: bad record: %w", err)
	}
	return r, true, nil
}

// popIfHead removes the list's head when its seq is ARGV[1].
var popIfHead = redis.NewScript(`
local head = redis.call('LINDEX', KEYS[1], 0)
if not head then return 0 end
if tonumber(cjson.decode(head)['seq']) == tonumber(ARGV[1]) then
  redis.call('LPOP', KEYS[1])
  return 1
end
return 0`)

// Remove implements delivery.Spool.
func (s *Spool) Remove(ctx context.Context, seq int64) error {
	if err := popIfHead.Run(ctx, s.c.RDB, []string{s.key}, seq).Err(); err != nil {
		return fmt.Errorf("redis spool: %w", err)
	}
	return nil
}

// Len implements delivery.Spool.
func (s *Spool) Len(ctx context.Context) (int, error) {
	n, err := s.c.RDB.LLen(ctx, s.key).Result()
	if err != nil {
		return 0, fmt.Errorf("redis spool: %w", err)
	}
	return int(n), nil
}

var unlockIfOwner = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0`)

// TryLock implements delivery.SpoolLocker.
func (s *Spool) TryLock(ctx context.Context) (func(), bool) {
	token := newMember()
	ok, err := s.c.RDB.SetNX(ctx, s.key+":lock", token, s.lease).Result()
	if err != nil || !ok {
		return nil, false
	}
	return func() {
		_ = unlockIfOwner.Run(context.WithoutCancel(ctx), s.c.RDB, []string{s.key + ":lock"}, token).Err()
	}, true
}
