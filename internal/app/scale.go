package app

import (
	"context"
	"fmt"

	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/ratelimit"
	"github.com/pamtravel/pam/internal/redisx"
)

// scaleParts are the pieces that make several instances behave as one:
// shared Redis state when PAM_REDIS_URL is set, in-process otherwise.
type scaleParts struct {
	redis       *redisx.Client // nil without PAM_REDIS_URL
	broker      *redisx.Broker
	revocations auth.Revocations
	activity    auth.Activity // nil: auth's in-process default
	limiter     ratelimit.Limiter
	hub         *delivery.Hub
}

// buildScale connects to Redis when configured and chooses every shared part.
// It runs before the cache, auth and delivery are built, which take its parts.
func (c *components) buildScale(ctx context.Context, cfg *config.Config) error {
	s := &scaleParts{hub: delivery.NewHub(256)}
	c.scale = s
	if cfg.RedisURL == "" {
		s.revocations = auth.NewMemoryRevocations()
		s.limiter = ratelimit.NewMemory()
		return nil
	}
	rc, err := redisx.Open(ctx, cfg.RedisURL, redisx.Options{Logger: c.log})
	if err != nil {
		return fmt.Errorf("config: PAM_REDIS_URL: %w", err)
	}
	c.closers = append(c.closers, rc.Close)
	s.redis = rc
	s.revocations = auth.NewRedisRevocations(rc.RDB, rc.Prefix+"auth:")
	s.activity = auth.NewRedisActivity(rc.RDB, rc.Prefix+"auth:", cfg.IdleTimeout)
	s.limiter = redisx.NewLimiter(rc, ratelimit.NewMemory())
	s.broker = redisx.NewBroker(rc)
	s.hub.SetBroker(s.broker, nil)
	c.cache = redisx.NewCache(rc, 0)
	return nil
}

// runScale runs the Redis health monitor and the cross-instance broker until ctx ends.
func (c *components) runScale(ctx context.Context) error {
	s := c.scale
	if s == nil || s.redis == nil {
		return nil
	}
	go s.redis.Monitor(ctx)
	return s.broker.Run(ctx, s.hub, nil)
}

// scaleChecks adds Redis to the readiness checks: down means degraded (caches
// fall through to the database, limits count per instance), never unavailable.
func (c *components) scaleChecks(checks map[string]string, status *string) {
	s := c.scale
	if s == nil || s.redis == nil {
		return
	}
	if s.redis.Healthy() {
		checks["redis"] = "ok"
		return
	}
	checks["redis"] = "down: caches fall through to the database, limits count per instance"
	if *status == "ready" {
		*status = "degraded"
	}
}

// withActivity installs the shared idle tracker on a, if there is one.
func (c *components) withActivity(a *auth.Service) *auth.Service {
	if c.scale != nil && c.scale.activity != nil {
		return a.WithActivity(c.scale.activity)
	}
	return a
}
