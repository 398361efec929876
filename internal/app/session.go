package app

import (
	"github.com/pamtravel/pam/internal/session"
)

// sessions returns the instance store: Redis when configured, so a user's
// next message may land on any instance, else in-process.
func (c *components) sessions() session.Store {
	if c.scale != nil && c.scale.redis != nil {
		return session.NewRedis(c.scale.redis.RDB, c.scale.redis.Prefix, session.DefaultTTL)
	}
	return session.NewMemory(session.DefaultTTL)
}
