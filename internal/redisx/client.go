// Package redisx owns PAM's use of Redis: client set-up from PAM_REDIS_URL,
// a health monitor that notices Redis going away and coming back (go-redis
// re-dials by itself on the next command), and the Redis implementations of
// the shared-state contracts: cache.Cache, ratelimit.Limiter (global across
// instances, with a per-instance fallback while Redis is down) and the
// delivery Broker that carries each user's frames between instances. Token
// revocations and session activity live in package auth (RedisRevocations,
// RedisActivity) and take this package's client.
package redisx

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"
)

// Options tune the client. Zero values take the defaults.
type Options struct {
	Prefix       string        // key prefix shared by every instance, default "pam:"
	DialTimeout  time.Duration // default 1 s
	IOTimeout    time.Duration // read and write timeout, default 1 s
	PoolSize     int           // default 20
	HealthEvery  time.Duration // how often the monitor pings, default 500 ms
	Logger       *slog.Logger
	InstanceName string // names this instance in logs and broker envelopes; default random
}

func (o Options) withDefaults() Options {
	if o.Prefix == "" {
		o.Prefix = "pam:"
	}
	if o.DialTimeout <= 0 {
		o.DialTimeout = time.Second
	}
	if o.IOTimeout <= 0 {
		o.IOTimeout = time.Second
	}
	if o.PoolSize <= 0 {
		o.PoolSize = 20
	}
	if o.HealthEvery <= 0 {
		o.HealthEvery = 500 * time.Millisecond
	}
	if o.Logger == nil {
		o.Logger = slog.New(slog.DiscardHandler)
	}
	return o
}

// Client is a Redis connection pool plus its health.
type Client struct {
	RDB    *redis.Client
	Prefix string

	log     *slog.Logger
	every   time.Duration
	healthy atomic.Bool
	mu      sync.Mutex
	onUp    []func()
	lastErr atomic.Value // string
}

// Open parses url (redis://…), connects and checks the server once. A server
// that is not answering at start is an error: start-up must say so clearly.
func Open(ctx context.Context, url string, o Options) (*Client, error) {
	o = o.withDefaults()
	installLogger(o.Logger)
	ro, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis: PAM_REDIS_URL: %w", err)
	}
	ro.DialTimeout = o.DialTimeout
	ro.ReadTimeout = o.IOTimeout
	ro.WriteTimeout = o.IOTimeout
	ro.PoolSize = o.PoolSize
	ro.MaxRetries = 1
	ro.ContextTimeoutEnabled = true
	c := &Client{RDB: redis.NewClient(ro), Prefix: o.Prefix, log: o.Logger, every: o.HealthEvery}
	if err := c.RDB.Ping(ctx).Err(); err != nil {
		_ = c.RDB.Close()
		return nil, fmt.Errorf("redis: %w", err)
	}
	c.healthy.Store(true)
	return c, nil
}

// Healthy reports whether the last health check reached Redis.
func (c *Client) Healthy() bool { return c.healthy.Load() }

// LastError is the last health check's error text ("" when healthy).
func (c *Client) LastError() string {
	s, _ := c.lastErr.Load().(string)
	return s
}

// OnReconnect registers f to run (in the monitor goroutine) each time Redis
// comes back after being down — to re-subscribe or to flush fallbacks.
func (c *Client) OnReconnect(f func()) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.onUp = append(c.onUp, f)
}

// Check pings Redis once and updates Healthy; it returns the ping's error.
func (c *Client) Check(ctx context.Context) error {
	pctx, cancel := context.WithTimeout(ctx, c.every+time.Second)
	defer cancel()
	err := c.RDB.Ping(pctx).Err()
	was := c.healthy.Swap(err == nil)
	switch {
	case err != nil:
		c.lastErr.Store(err.Error())
		if was {
			c.log.Warn("redis unreachable: shared state falls back to this instance", "error", err)
		}
	case !was:
		c.lastErr.Store("")
		c.log.Info("redis is back")
		c.mu.Lock()
		fs := append([]func(){}, c.onUp...)
		c.mu.Unlock()
		for _, f := range fs {
			f()
		}
	}
	return err
}

// Monitor checks Redis every HealthEvery until ctx ends.
func (c *Client) Monitor(ctx context.Context) {
	t := time.NewTicker(c.every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			_ = c.Check(ctx)
		}
	}
}

// Close closes the pool.
func (c *Client) Close() error { return c.RDB.Close() }
