package app

import (
	"context"
	"fmt"
	"path/filepath"

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
	maintenance *delivery.Maintenance
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

// enableMaintenance makes a database outage queue messages (in Redis when
// configured, else in an fsync'd spool in the data dir) instead of losing them.
func (c *components) enableMaintenance(cfg *config.Config) error {
	local, err := delivery.OpenFileSpool(filepath.Join(cfg.DataDir, "spool"))
	if err != nil {
		return fmt.Errorf("config: PAM_DATA_DIR: %w", err)
	}
	c.closers = append(c.closers, local.Close)
	mc := delivery.MaintenanceConfig{Local: local, Ping: c.store.Ping}
	if c.scale.redis != nil {
		mc.Shared = redisx.NewSpool(c.scale.redis)
	}
	c.scale.maintenance = c.delivery.EnableMaintenance(mc)
	return nil
}

// runScale runs the Redis health monitor and the cross-instance broker until ctx ends.
func (c *components) runScale(ctx context.Context) error {
	s := c.scale
	if s == nil {
		return nil
	}
	if s.maintenance != nil {
		go s.maintenance.Run(ctx)
	}
	if s.redis == nil {
		return nil
	}
	go s.redis.Monitor(ctx)
	return s.broker.Run(ctx, s.hub, nil)
}

// scaleChecks adds Redis to the readiness checks: down means degraded (caches
// fall through to the database, limits count per instance), never unavailable.
func (c *components) scaleChecks(ctx context.Context, checks map[string]string, status *string) {
	s := c.scale
	if s == nil {
		return
	}
	if s.maintenance != nil {
		if n := s.maintenance.Pending(ctx); n > 0 {
			checks["maintenance"] = fmt.Sprintf("%d messages queued", n)
		}
	}
	if s.redis == nil {
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
