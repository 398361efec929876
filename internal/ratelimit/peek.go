package ratelimit

import (
	"context"
	"math"
	"time"
)

// Peek reports, without counting a request, how many requests key is
// estimated to have made in its sliding window and how long until one more
// would be allowed (zero when it would be now). For the operator's
// rate-limit status route.
func (m *Memory) Peek(_ context.Context, key string, limit int, window time.Duration) (used int, retryAfter time.Duration, err error) {
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	c := m.keys[key]
	if c == nil || c.window != window {
		return 0, 0, nil
	}
	c.roll(now)
	elapsed := now.Sub(c.start)
	estimate := float64(c.prev)*float64(window-elapsed)/float64(window) + float64(c.cur)
	used = int(math.Ceil(estimate))
	if estimate+1 > float64(limit) {
		retryAfter = window - elapsed
		if c.cur < limit && c.prev > 0 {
			retryAfter = time.Duration((estimate + 1 - float64(limit)) / float64(c.prev) * float64(window))
		}
	}
	return used, retryAfter, nil
}
