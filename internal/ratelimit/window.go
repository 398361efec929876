// Package ratelimit owns request limits: per-user and per-tool windows,
// concurrency caps, and the backpressure that sheds load before it hurts.
// The in-process limiter here is the default; a Redis-backed one shares the
// counts across instances.
package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Limiter decides whether a key may make another request in its window.
type Limiter interface {
	// Allow counts one request for key against limit per window; when refused
	// it returns how long until one is allowed.
	Allow(ctx context.Context, key string, limit int, window time.Duration) (ok bool, retryAfter time.Duration, err error)
}

// Memory is a sliding-window-counter limiter for one instance.
type Memory struct {
	mu   sync.Mutex
	keys map[string]*counter
	now  func() time.Time
	ops  int
}

type counter struct {
	start     time.Time // start of the current window
	cur, prev int
	window    time.Duration
}

// NewMemory returns an in-process limiter.
func NewMemory() *Memory { return &Memory{keys: map[string]*counter{}, now: time.Now} }

// Allow implements Limiter with a sliding window counter (current window plus
// the weighted previous one), exact enough and O(1) per key.
func (m *Memory) Allow(_ context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	m.gc(now)
	c := m.keys[key]
	if c == nil {
		c = &counter{start: now, window: window}
		m.keys[key] = c
	}
	c.roll(now)
	elapsed := now.Sub(c.start)
	weight := float64(window-elapsed) / float64(window)
	estimate := float64(c.prev)*weight + float64(c.cur)
	if estimate+1 > float64(limit) {
		retry := window - elapsed
		if c.cur < limit && c.prev > 0 {
			// time until enough of the previous window has slid out
			need := estimate + 1 - float64(limit)
			retry = time.Duration(need / float64(c.prev) * float64(window))
		}
		if retry < time.Second {
			retry = time.Second
		}
		return false, retry, nil
	}
	c.cur++
	return true, 0, nil
}

func (c *counter) roll(now time.Time) {
	for now.Sub(c.start) >= c.window {
		if now.Sub(c.start) >= 2*c.window {
			c.prev, c.cur = 0, 0
			c.start = now
			return
		}
		c.prev, c.cur = c.cur, 0
		c.start = c.start.Add(c.window)
	}
}

// gc drops idle keys now and then so memory stays bounded.
func (m *Memory) gc(now time.Time) {
	m.ops++
	if m.ops%4096 != 0 {
		return
	}
	for k, c := range m.keys {
		if now.Sub(c.start) > 2*c.window {
			delete(m.keys, k)
		}
	}
}
