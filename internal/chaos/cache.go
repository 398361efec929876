package chaos

import (
	"context"
	"errors"
	"time"

	"github.com/pamtravel/pam/internal/cache"
)

// ErrRedisDown is what the cache answers during an injected outage.
var ErrRedisDown = errors.New("chaos: redis: connection refused")

// Cache wraps c: during an injected outage (redis_down) every call fails as
// an unreachable Redis does.
func (i *Injector) Cache(c cache.Cache) cache.Cache {
	if i == nil || i.Rate(RedisDown) <= 0 {
		return c
	}
	return outageCache{c: c, i: i}
}

type outageCache struct {
	c cache.Cache
	i *Injector
}

func (o outageCache) down() bool { return o.i.redisDown(time.Now()) }

func (o outageCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	if o.down() {
		return nil, false, ErrRedisDown
	}
	return o.c.Get(ctx, key)
}

func (o outageCache) GetStale(ctx context.Context, key string) (cache.Entry, bool, error) {
	if o.down() {
		return cache.Entry{}, false, ErrRedisDown
	}
	return o.c.GetStale(ctx, key)
}

func (o outageCache) Set(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if o.down() {
		return ErrRedisDown
	}
	return o.c.Set(ctx, key, value, ttl)
}

func (o outageCache) Delete(ctx context.Context, key string) error {
	if o.down() {
		return ErrRedisDown
	}
	return o.c.Delete(ctx, key)
}

func (o outageCache) DeletePrefix(ctx context.Context, prefix string) error {
	if o.down() {
		return ErrRedisDown
	}
	return o.c.DeletePrefix(ctx, prefix)
}
