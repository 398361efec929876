package observe

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/codes"
	"go.opentelemetry.io/otel/trace"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/tools"
)

// InstrumentTools wraps every tool handler of reg with latency and outcome
// metrics and a "tool" span. Call it once, before serving.
func (m *Metrics) InstrumentTools(reg *tools.Registry) {
	for _, t := range reg.All() {
		t.Handler = m.toolHandler(t.Name, t.Handler)
	}
}

func (m *Metrics) toolHandler(name string, h tools.Handler) tools.Handler {
	spanName := "tool " + name
	return func(ctx context.Context, call *tools.Call) (*tools.Result, error) {
		// A tool span is only worth its cost inside a traced turn.
		span := trace.SpanFromContext(ctx)
		if span.IsRecording() {
			ctx, span = tracer().Start(ctx, spanName, trace.WithAttributes(attribute.String("pam.tool", name)))
			defer span.End()
		}
		start := time.Now()
		res, err := h(ctx, call)
		outcome := toolOutcome(res, err)
		if span.IsRecording() {
			if err != nil {
				span.SetStatus(codes.Error, outcome)
			}
			span.SetAttributes(attribute.String("pam.outcome", outcome))
		}
		m.ObserveTool(name, outcome, time.Since(start))
		return res, err
	}
}

// toolOutcome is the outcome label of a handler's answer.
func toolOutcome(res *tools.Result, err error) string {
	if err != nil {
		var te *tools.Error // declared here, so a call without error allocates nothing for it
		if errors.As(err, &te) {
			return string(te.Status)
		}
		return string(tools.StatusFailed)
	}
	if res != nil && res.Status != "" {
		return string(res.Status)
	}
	return string(tools.StatusOK)
}

// Agent is the turn runner as the delivery service calls it.
type Agent interface {
	Run(ctx context.Context, in agent.Input, emit agent.Emitter) (*agent.Output, error)
}

// InstrumentAgent wraps a turn runner with the turn latency histogram and the
// root "turn" span under which model, tool and database spans nest.
func (m *Metrics) InstrumentAgent(a Agent) Agent { return instrumentedAgent{a: a, m: m} }

type instrumentedAgent struct {
	a Agent
	m *Metrics
}

func (i instrumentedAgent) Run(ctx context.Context, in agent.Input, emit agent.Emitter) (*agent.Output, error) {
	// The attributes go on after Start, and only on a span that records: as
	// start options they cost three allocations a turn even with tracing off.
	// PAM's sampler (parent-based trace-id ratio) does not read them.
	ctx, span := tracer().Start(ctx, "turn")
	defer span.End()
	if span.IsRecording() {
		span.SetAttributes(attribute.String("pam.request_id", in.RequestID), attribute.String("pam.user_id", in.UserID))
	}
	start := time.Now()
	out, err := i.a.Run(ctx, in, emit)
	source, degraded := "error", true
	if out != nil {
		source, degraded = out.Source, out.Degraded
	}
	if err != nil {
		span.RecordError(err)
		span.SetStatus(codes.Error, "turn failed")
	}
	if span.IsRecording() { // the attributes' slice is not built for nothing
		span.SetAttributes(attribute.String("pam.source", source), attribute.Bool("pam.degraded", degraded))
	}
	i.m.ObserveTurn(source, degraded, time.Since(start))
	return out, err
}

// InstrumentCache counts hits, misses and stale reads of c.
func (m *Metrics) InstrumentCache(c cache.Cache) cache.Cache { return countingCache{Cache: c, m: m} }

type countingCache struct {
	cache.Cache
	m *Metrics
}

func (c countingCache) Get(ctx context.Context, key string) ([]byte, bool, error) {
	v, ok, err := c.Cache.Get(ctx, key)
	if err == nil {
		outcome := "miss"
		if ok {
			outcome = "hit"
		}
		c.m.CacheLookup(outcome)
	}
	return v, ok, err
}

func (c countingCache) GetStale(ctx context.Context, key string) (cache.Entry, bool, error) {
	e, ok, err := c.Cache.GetStale(ctx, key)
	if err == nil && ok && !e.Fresh {
		c.m.CacheLookup("stale")
	}
	return e, ok, err
}

// OnSlowQuery sets where SlowQueryHandler reports slow operations (the
// slow-query monitor); it may be set after the logger is built.
func (m *Metrics) OnSlowQuery(f func(op string, d time.Duration)) { m.onSlow.Store(&f) }

// SlowQueryHandler wraps a log handler so that the store's "slow query"
// records also count in pam_db_slow_queries_total and reach OnSlowQuery.
func (m *Metrics) SlowQueryHandler(h slog.Handler) slog.Handler {
	return slowQueryHandler{Handler: h, m: m}
}

type slowQueryHandler struct {
	slog.Handler
	m *Metrics
}

func (h slowQueryHandler) Handle(ctx context.Context, r slog.Record) error {
	if r.Message == "slow query" {
		var op string
		var d time.Duration
		r.Attrs(func(a slog.Attr) bool {
			switch a.Key {
			case "op":
				op = a.Value.String()
			case "duration":
				if a.Value.Kind() == slog.KindDuration {
					d = a.Value.Duration()
				}
			}
			return true
		})
		h.m.SlowQuery(op)
		if f := h.m.onSlow.Load(); f != nil {
			(*f)(op, d)
		}
	}
	return h.Handler.Handle(ctx, r)
}

func (h slowQueryHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return slowQueryHandler{Handler: h.Handler.WithAttrs(as), m: h.m}
}

func (h slowQueryHandler) WithGroup(name string) slog.Handler {
	return slowQueryHandler{Handler: h.Handler.WithGroup(name), m: h.m}
}
