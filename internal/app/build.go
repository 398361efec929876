package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/audit"
	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/httpapi"
	"github.com/pamtravel/pam/internal/observe"
	"github.com/pamtravel/pam/internal/safety"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/web"
)

// components are the long-lived parts of a running PAM.
type components struct {
	cfg      *config.Config
	log      *slog.Logger
	store    store.Store
	auth     *auth.Service
	audit    *audit.Log
	registry *tools.Registry
	executor *tools.Executor
	external *external.Services
	cache    cache.Cache
	delivery *delivery.Service
	scale    *scaleParts
	ops      opsParts // speech and savings analytics (voice.go)
	metrics  *observe.Metrics
	obs      *observeParts // alerts, monitors, tracing, chaos (observe.go)
	handler  http.Handler
	closers  []func() error
	// onShutdown runs before the HTTP server shuts down (WebSocket draining).
	onShutdown []func(ctx context.Context)
}

func (c *components) Close() {
	for i := len(c.closers) - 1; i >= 0; i-- {
		if err := c.closers[i](); err != nil {
			c.log.Warn("close", "error", err)
		}
	}
}

func openStore(ctx context.Context, cfg *config.Config, log *slog.Logger) (store.Store, error) {
	if !cfg.IsPostgres() {
		if err := os.MkdirAll(cfg.DataDir, 0o700); err != nil {
			return nil, fmt.Errorf("config: PAM_DATA_DIR: %w", err)
		}
	}
	st, err := storage.Open(ctx, cfg.DatabaseURL, poolOptions(cfg, log))
	if err != nil {
		return nil, fmt.Errorf("database: %w", err)
	}
	return st, nil
}

// build turns the configuration into running components.
func build(ctx context.Context, cfg *config.Config, env Env) (_ *components, err error) {
	metrics := observe.NewMetrics()
	log := observe.NewLogger(env.Stderr, cfg.LogLevel, logHandlers(metrics))
	c := &components{cfg: cfg, log: log, metrics: metrics}
	defer func() {
		if err != nil {
			c.Close()
		}
	}()
	if c.store, err = openStore(ctx, cfg, log); err != nil {
		return nil, err
	}
	c.closers = append(c.closers, c.store.Close)
	if err := c.buildScale(ctx, cfg); err != nil {
		return nil, err
	}
	if err := c.setupObserve(ctx); err != nil {
		return nil, err
	}
	if err := c.buildAuth(cfg); err != nil {
		return nil, err
	}
	c.audit = audit.New(c.store, redactString, time.Now).WithAlerts(c.auditAlerts())
	c.auth.WithAudit(c.audit.Record)
	c.buildOps(cfg)
	if err := c.buildTools(ctx); err != nil {
		return nil, err
	}
	model, err := buildModel(cfg, log, c.modelHTTPClient(), c.modelOptions()...)
	if err != nil {
		return nil, err
	}
	guard := newGuard(cfg, c.abuseTracker())
	hist, err := c.history(ctx, cfg)
	if err != nil {
		return nil, err
	}
	ag := agent.New(model, c.executor, hist, guard, c.external.Available, agent.Config{
		MaxRounds: cfg.MaxToolRounds, MaxTools: cfg.MaxTools, HistoryExchanges: cfg.HistoryExchanges,
		KeepExchanges: cfg.KeepExchanges, TurnDeadline: cfg.TurnDeadline + 5*time.Second, // the rules brain still answers after the models used the deadline
	}).WithConfirmer(c.executor)
	c.delivery = delivery.NewService(c.scale.turnStore, c.observeAgent(ag), guard, c.scale.hub, log, delivery.Config{
		ThinkingAfter: cfg.ThinkingAfter, StillWorkingAfter: cfg.StillWorkingAfter,
		QueueDepth: cfg.QueueDepth, Workers: cfg.TurnWorkers,
	})
	if err := c.wireScale(cfg); err != nil {
		return nil, err
	}
	c.delivery.SetLocator(locator(c.cache))
	c.delivery.SetSessions(c.sessions())
	webHandler, err := web.Handler()
	if err != nil {
		return nil, fmt.Errorf("chat page: %w", err)
	}
	c.handler = httpapi.NewServer(httpapi.Deps{
		Audit:  c.audit.Record,
		Report: c.reportError,
		Log:    log, Store: c.store, Auth: c.auth, Delivery: c.delivery, Tools: c.executor,
		Limiter: c.scale.userLimiter, Metrics: c.metrics, Ready: c.readiness, Web: webHandler,
		Prom: c.metrics.Handler(),
		Config: httpapi.Config{UserPerMinute: cfg.LimitUserPerMin, Heartbeat: cfg.Heartbeat,
			HelloTimeout: cfg.HelloTimeout, IdleClose: cfg.IdleClose, Version: Version,
			CompatDedupeWindow: cfg.CompatDedupeWindow, CompatPongTimeout: cfg.CompatPongTimeout},
		Connections: c.metrics.Connections,
		OnShutdown:  func(f func(context.Context)) { c.onShutdown = append(c.onShutdown, f) },
		Ops:         c.opsDeps(cfg, guard),
		Shared:      c.sharedCache(),
	})
	c.finishObserve()
	return c, nil
}

func (c *components) buildAuth(cfg *config.Config) error {
	secret, err := jwtSecret(cfg)
	if err != nil {
		return err
	}
	ac := auth.Config{Issuer: cfg.JWTIssuer, Audience: cfg.JWTAudience, Secret: secret,
		AccessTTL: cfg.AccessTTL, RefreshTTL: cfg.RefreshTTL, IdleTimeout: cfg.IdleTimeout}
	if cfg.ExternalJWTSecret != "" || cfg.ExternalJWKSURL != "" {
		ac.External = &auth.ExternalConfig{Issuer: cfg.ExternalIssuer, Audience: cfg.ExternalAudience,
			Secret: []byte(cfg.ExternalJWTSecret), JWKSURL: cfg.ExternalJWKSURL}
	}
	c.auth, err = auth.NewService(ac, c.store, c.scale.revocations, time.Now)
	if err != nil {
		return fmt.Errorf("auth: %w", err)
	}
	c.auth = c.withActivity(c.auth)
	return nil
}

func (c *components) readiness(ctx context.Context) (string, map[string]string) {
	checks := map[string]string{}
	status := "ready"
	pctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.store.Ping(pctx); err != nil {
		checks["database"] = "down"
		status = "unavailable"
	} else {
		checks["database"] = "ok"
	}
	checks["model"] = c.cfg.Model
	c.scaleChecks(pctx, checks, &status)
	for name, st := range c.external.Health() {
		checks["external:"+name] = st.State
		if status == "ready" && !c.cfg.Offline && st.State == external.StateDown {
			status = "degraded"
		}
	}
	return status, checks
}

func redactString(s string) string {
	out, _ := safety.Redact(s)
	return out
}

// reportError sends an error answered to a user through the one taxonomy.
func (c *components) reportError(ctx context.Context, transport string, err error) {
	if c.obs == nil || c.obs.reporter == nil {
		c.log.ErrorContext(ctx, "error", "transport", transport, "error", err)
		return
	}
	c.obs.reporter.Report(ctx, transport, err)
}
