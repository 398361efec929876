package app

import (
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/chaos"
	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/external"
	"github.com/pamtravel/pam/internal/httpapi"
	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/observe"
	"github.com/pamtravel/pam/internal/safety"
)

// observeParts are the observability and chaos components of one instance.
type observeParts struct {
	chaos         *chaos.Injector
	spend         *observe.Spend
	alerts        *observe.Alerts
	monitor       *observe.Monitor
	reporter      *observe.Reporter
	traceShutdown func(context.Context) error
	advisorPool   *pgxpool.Pool
}

// logHandlers composes the log handler chain: secret redaction, then the
// slow-query counter feeding the monitor.
func logHandlers(m *observe.Metrics) func(slog.Handler) slog.Handler {
	return func(h slog.Handler) slog.Handler { return m.SlowQueryHandler(safety.NewRedactingHandler(h)) }
}

// setupObserve builds tracing, spend, alerts, monitors and the chaos
// injector, and wraps the store and cache. It runs right after the store
// opens, before anything else takes the store or the cache.
func (c *components) setupObserve(ctx context.Context) error {
	cfg, o := c.cfg, &observeParts{}
	c.obs = o
	inj, err := chaos.Parse(cfg.Chaos, uint64(time.Now().UnixNano()))
	if err != nil {
		return fmt.Errorf("config: PAM_CHAOS: %w", err)
	}
	if inj != nil {
		if err := chaos.Allowed(cfg.Env); err != nil {
			return err
		}
		inj.OnFault = func(f chaos.Fault) { c.metrics.ChaosFault(string(f)) }
		inj.OutageWindow = cfg.ChaosOutage
		c.log.Warn("chaos: fault injection is ON", "faults", inj.String())
	}
	o.chaos = inj
	o.traceShutdown, err = observe.SetupTracing(ctx, observe.TracingConfig{
		Endpoint: cfg.Observe.OTLPEndpoint, SampleRatio: cfg.Observe.TraceSample, Version: Version})
	if err != nil {
		return fmt.Errorf("config: PAM_OTLP_ENDPOINT: %w", err)
	}
	o.spend = &observe.Spend{DailyBudget: cfg.Observe.ModelBudgetDaily, MonthlyBudget: cfg.Observe.ModelBudgetMonthly}
	if o.spend.DailyBudget.IsZero() && cfg.ModelDaily != "" {
		// Without its own budget the alert watches the hard daily ceiling.
		if d, err := decimal.NewFromString(cfg.ModelDaily); err == nil {
			o.spend.DailyBudget = d
		}
	}
	host, _ := os.Hostname()
	var notifier observe.Notifier
	if cfg.Observe.AlertWebhookURL != "" {
		notifier = &observe.Webhook{URL: cfg.Observe.AlertWebhookURL, Instance: host}
	}
	o.alerts = &observe.Alerts{Metrics: c.metrics, Spend: o.spend, Notifier: notifier, Log: c.log}
	o.monitor = &observe.Monitor{Metrics: c.metrics, Alerts: o.alerts,
		Connections: func() int { return int(gaugeValue(c.metrics)) }}
	c.metrics.OnSlowQuery(o.monitor.SlowQuery)
	o.reporter = &observe.Reporter{Log: c.log, Metrics: c.metrics, Alerts: o.alerts, FromContext: httpapi.Logger}
	if cfg.IsPostgres() {
		if pool, err := pgxpool.New(ctx, cfg.DatabaseURL); err == nil {
			o.advisorPool = pool
			o.monitor.Advisor = &observe.IndexAdvisor{DB: pool}
			c.closers = append(c.closers, func() error { pool.Close(); return nil })
		}
	}
	c.store = inj.Store(c.store)
	if c.cache == nil {
		c.cache = cache.NewMemory(cache.MemoryOptions{})
	}
	c.cache = inj.Cache(c.metrics.InstrumentCache(c.cache))
	return nil
}

// modelHTTPClient is the model providers' client: chaos faults (when on) and
// trace propagation around the default transport.
func (c *components) modelHTTPClient() *http.Client {
	return &http.Client{Transport: observe.TracingTransport(c.obs.chaos.ModelTransport(nil))}
}

// modelOptions feed the resilience policy's events into the metrics and
// install the spend ceilings.
func (c *components) modelOptions() []llm.Option {
	opts := []llm.Option{llm.WithObserver(c.metrics.ModelObserver(c.obs.spend))}
	if o := c.spendOption(c.modelSpend()); o != nil {
		opts = append(opts, o)
	}
	return opts
}

// externalTransport is the outside services' transport, or nil for their default.
func (c *components) externalTransport() http.RoundTripper {
	if c.obs.chaos == nil {
		return nil
	}
	var next http.RoundTripper
	if c.cfg.DevRecord {
		next = external.ReplayTransport()
	}
	return c.obs.chaos.ExternalTransport(next)
}

// observeAgent times turns and opens their trace.
func (c *components) observeAgent(a observe.Agent) delivery.Agent {
	return c.metrics.InstrumentAgent(a)
}

// finishObserve instruments the built components: tool metrics and faults,
// breaker and pool gauges, the admin view sections, and the HTTP handler.
func (c *components) finishObserve() {
	o := c.obs
	c.metrics.InstrumentTools(c.registry)
	o.chaos.WrapTools(c.registry)
	c.metrics.SetBreakers("tool", c.executor.BreakerStates)
	if q, ok := any(c.delivery).(interface{ QueueDepth() int }); ok {
		c.metrics.SetQueueDepth(q.QueueDepth)
	}
	// SQLite has one writer connection, always "full" while it writes: the
	// pool gauge (and its alert) is for PostgreSQL's pool.
	if s, ok := c.store.(interface{ Stats() sql.DBStats }); ok && c.cfg.IsPostgres() {
		c.metrics.SetDBPool(func() (int, int) { st := s.Stats(); return st.InUse, st.MaxOpenConnections })
	}
	if c.scale != nil && c.scale.hub != nil {
		o.monitor.Subscriptions = c.scale.hub.Connections
	}
	c.metrics.AddView("alerts", func() any { return o.alerts.View() })
	c.metrics.AddView("monitors", func() any { return o.monitor.View() })
	c.metrics.AddView("spend", func() any { return o.spend.Status(time.Now()) })
	c.metrics.AddView("chaos", func() any { return o.chaos.String() })
	c.handler = o.chaos.Middleware(c.handler)
}

// runObserve evaluates alert rules and monitors until ctx ends, then
// flushes traces.
func (c *components) runObserve(ctx context.Context) error {
	every := time.Duration(c.cfg.Observe.AlertInterval * float64(time.Second))
	if every <= 0 {
		every = time.Minute
	}
	go c.obs.monitor.Run(ctx, every)
	c.obs.alerts.Run(ctx, every)
	sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := c.obs.traceShutdown(sctx); err != nil {
		c.log.Warn("trace flush", "error", err)
	}
	return nil
}

func gaugeValue(m *observe.Metrics) float64 {
	var v float64
	if fams, err := m.Registry.Gather(); err == nil {
		for _, f := range fams {
			if f.GetName() == "pam_active_connections" && len(f.GetMetric()) > 0 {
				v = f.GetMetric()[0].GetGauge().GetValue()
			}
		}
	}
	return v
}
