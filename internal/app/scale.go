package app

import (
	"context"
	"fmt"
	"log/slog"
	"path/filepath"
	"time"

	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/compat"
	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/ratelimit"
	"github.com/pamtravel/pam/internal/redisx"
	"github.com/pamtravel/pam/internal/session"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
)

// scaleParts are the pieces that make several instances behave as one:
// shared Redis state when PAM_REDIS_URL is set, in-process otherwise.
type scaleParts struct {
	redis       *redisx.Client // nil without PAM_REDIS_URL
	broker      *redisx.Broker
	revocations auth.Revocations
	activity    auth.Activity     // nil: auth's in-process default
	limiter     ratelimit.Limiter // shared counts (per-tool limits)
	userLimiter ratelimit.Limiter // the per-user request limit, adaptive when configured
	turns       ratelimit.Concurrency
	shedder     *ratelimit.Shedder
	work        *ratelimit.WorkQueue // non-critical background work, shed under load
	hub         *delivery.Hub
	turnStore   store.Store // the store as the turn path sees it: user context read through the cache
	sessions    session.Store
	maintenance *delivery.Maintenance
	writes      *writeBehind // non-turn writes kept and replayed across database outages
}

// buildScale connects to Redis when configured and chooses every shared part.
// It runs before the cache, auth and delivery are built, which take its parts.
func (c *components) buildScale(ctx context.Context, cfg *config.Config) error {
	s := &scaleParts{hub: delivery.NewHub(256)}
	c.scale = s
	s.shedder = ratelimit.NewShedder(ratelimit.ShedderConfig{CPUPercent: float64(cfg.ShedCPU), Latency: cfg.ShedLatency})
	s.work = ratelimit.NewWorkQueue(ratelimit.WorkQueueConfig{Workers: 2, MaxDepth: cfg.QueueDepth, Load: s.shedder})
	defer func() {
		s.userLimiter = s.limiter
		if cfg.AdaptiveMaxGain > 0 {
			s.userLimiter = ratelimit.NewAdaptive(s.limiter, ratelimit.AdaptiveConfig{
				Step: cfg.AdaptiveStep, StepGain: 0.1, MaxGain: float64(cfg.AdaptiveMaxGain) / 100})
		}
	}()
	defer func() {
		if c.cache == nil {
			c.cache = cache.NewMemory(cache.MemoryOptions{})
		}
		raw := c.store
		c.store, s.turnStore = withUserContextCache(c.store, c.cache, cache.DefaultTiers().UserContext, c.log)
		s.writes = newWriteBehind(raw, c.log)
		s.writes.work = s.work
		c.store = s.writes.wrap(c.store)
	}()
	if cfg.RedisURL == "" {
		s.sessions = session.NewMemory(0)
		s.revocations = auth.NewMemoryRevocations()
		s.limiter = ratelimit.NewMemory()
		s.turns = ratelimit.NewMemoryConcurrency()
		return nil
	}
	rc, err := redisx.Open(ctx, cfg.RedisURL, redisx.Options{Logger: c.log})
	if err != nil {
		return fmt.Errorf("config: PAM_REDIS_URL: %w", err)
	}
	c.closers = append(c.closers, rc.Close)
	s.redis = rc
	s.sessions = &session.Fallback{Primary: session.NewRedis(rc.RDB, rc.Prefix, 0), Secondary: session.NewMemory(0), Healthy: rc.Healthy}
	s.revocations = auth.NewRedisRevocations(rc.RDB, rc.Prefix+"auth:")
	s.activity = auth.NewRedisActivity(rc.RDB, rc.Prefix+"auth:", cfg.IdleTimeout)
	s.limiter = redisx.NewLimiter(rc, ratelimit.NewMemory())
	s.turns = redisx.NewConcurrency(rc, cfg.TurnDeadline+time.Minute, nil)
	s.broker = redisx.NewBroker(rc)
	s.hub.SetBroker(s.broker, nil)
	c.cache = redisx.NewCache(rc, 0)
	return nil
}

// sharedCache is the cache every instance sees: Redis's, when configured;
// nil when this instance runs alone.
func (c *components) sharedCache() compat.Backing {
	if c.scale.redis == nil {
		return nil
	}
	return c.cache
}

// wireScale installs the limits and maintenance mode on the built delivery
// service and tool registry.
func (c *components) wireScale(cfg *config.Config) error {
	c.delivery.SetAdmission(turnLimiter(c.scale.turns, cfg.MaxConcurrentTurns))
	c.metrics.AddView("scale", c.scaleView)
	if err := c.limitTools(c.registry, cfg); err != nil {
		return err
	}
	return c.enableMaintenance(cfg)
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

// runScale runs the instance's scale-out background work until ctx ends:
// the maintenance spool's replay and stale-turn sweep, CPU sampling for load
// shedding, the low-priority work queue, the replay of deferred writes, the
// daily cache warming, and with
// Redis its health monitor and the cross-instance broker.
func (c *components) runScale(ctx context.Context) error {
	s := c.scale
	if s == nil {
		return nil
	}
	if s.maintenance != nil {
		go s.maintenance.Run(ctx)
	}
	go s.shedder.Run(ctx)
	go s.work.Run(ctx)
	go s.writes.Run(ctx)
	go c.runWarming(ctx, c.cfg)
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
	if s.shedder != nil && s.shedder.Overloaded() {
		checks["load"] = fmt.Sprintf("shedding non-critical work (cpu %.0f%%)", s.shedder.CPUPercent())
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

// poolOptions sizes the database pool from the configuration: PostgreSQL
// keeps PAM_DB_POOL_SIZE connections and may open PAM_DB_POOL_OVERFLOW more
// under load; SQLite keeps its own reader pool.
func poolOptions(cfg *config.Config, log *slog.Logger) storage.Options {
	o := storage.Options{Logger: log, SlowQuery: cfg.SlowQuery, AcquireTimeout: cfg.DBAcquireTimeout, MaxConnLifetime: cfg.DBConnLifetime}
	if cfg.IsPostgres() {
		o.MaxConns = cfg.DBPoolSize + cfg.DBPoolOverflow
		o.MinConns = cfg.DBPoolSize
	}
	return o
}

// sessions is the instance store (language, context snapshot, last
// activity): in Redis when configured, so any instance continues where
// another left off; in process otherwise.
func (c *components) sessions() delivery.Sessions { return c.scale.sessions }

// scaleView is the "scale" section of the admin view: shared state, limits,
// shedding and maintenance at a glance.
func (c *components) scaleView() any {
	s := c.scale
	v := map[string]any{"redis": "off", "work_queue": s.work.Stats(), "cpu_percent": s.shedder.CPUPercent(), "shedding": s.shedder.Overloaded()}
	if s.redis != nil {
		v["redis"] = "ok"
		if !s.redis.Healthy() {
			v["redis"] = "down: " + s.redis.LastError()
		}
		v["broker_dropped"] = s.broker.Dropped()
	}
	if s.writes != nil {
		v["deferred_writes"] = s.writes.stats()
	}
	if s.maintenance != nil {
		spooled, drained := s.maintenance.Stats()
		v["maintenance"] = map[string]int64{"spooled": spooled, "replayed": drained}
	}
	return v
}
