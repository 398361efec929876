package observe

import (
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/pamtravel/pam/internal/pamerr"
)

// latencyBuckets suit turns, tools and model calls (5 ms to 30 s).
var latencyBuckets = []float64{.005, .01, .025, .05, .1, .25, .5, .75, 1, 1.25, 1.5, 2, 3, 5, 10, 30}

// Metrics holds PAM's Prometheus collectors. Its methods are safe for
// concurrent use; it implements httpapi.Metrics and, through ModelObserver,
// llm.Observer.
type Metrics struct {
	Registry    *prometheus.Registry
	TurnLatency *prometheus.HistogramVec
	Connections prometheus.Gauge

	httpLatency    *prometheus.HistogramVec
	rateLimited    *prometheus.CounterVec
	errors         *prometheus.CounterVec
	toolLatency    *prometheus.HistogramVec
	modelLatency   *prometheus.HistogramVec
	modelAttempts  *prometheus.CounterVec
	modelRetries   *prometheus.CounterVec
	modelFallbacks *prometheus.CounterVec
	modelBreaker   *prometheus.GaugeVec
	modelCost      *prometheus.CounterVec
	modelTokens    *prometheus.CounterVec
	cacheLookups   *prometheus.CounterVec
	slowQueries    *prometheus.CounterVec
	chaosFaults    *prometheus.CounterVec
	alertsFiring   *prometheus.GaugeVec
	scale          prometheus.Gauge
	spendRatio     *prometheus.GaugeVec

	cb     *callbacks
	onSlow atomic.Pointer[func(string, time.Duration)]
	mu     sync.Mutex
	views  []view
}

type view struct {
	name string
	f    func() any
}

// NewMetrics registers PAM's collectors on a fresh registry.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	hist := func(name, help string, labels ...string) *prometheus.HistogramVec {
		return prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: latencyBuckets}, labels)
	}
	counter := func(name, help string, labels ...string) *prometheus.CounterVec {
		return prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
	}
	gauge := func(name, help string, labels ...string) *prometheus.GaugeVec {
		return prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
	}
	m := &Metrics{
		Registry:       reg,
		TurnLatency:    hist("pam_turn_duration_seconds", "Chat turn latency by answering source.", "source", "degraded"),
		Connections:    prometheus.NewGauge(prometheus.GaugeOpts{Name: "pam_active_connections", Help: "Open WebSocket connections on this instance."}),
		httpLatency:    hist("pam_http_request_duration_seconds", "HTTP request latency by route, method and status.", "route", "method", "status"),
		rateLimited:    counter("pam_rate_limit_rejections_total", "Requests refused by a rate limit, by scope.", "scope"),
		errors:         counter("pam_errors_total", "Errors answered to users, by transport, category (user, system, external, unknown) and code.", "transport", "category", "code"),
		toolLatency:    hist("pam_tool_duration_seconds", "Tool handler latency by tool and outcome.", "tool", "outcome"),
		modelLatency:   hist("pam_model_request_duration_seconds", "Model provider attempt latency by model and outcome.", "model", "outcome"),
		modelAttempts:  counter("pam_model_attempts_total", "Model provider attempts.", "model"),
		modelRetries:   counter("pam_model_retries_total", "Model attempts retried after a failure.", "model"),
		modelFallbacks: counter("pam_model_fallbacks_total", "Moves from one link of the model chain to the next.", "from", "to"),
		modelBreaker:   gauge("pam_model_breaker_state", "Model provider breaker: 0 closed, 1 half-open, 2 open.", "model"),
		modelCost:      counter("pam_model_cost_dollars_total", "Model spend in US dollars by model (exposition only; accounting is decimal).", "model"),
		modelTokens:    counter("pam_model_tokens_total", "Model tokens by model and kind.", "model", "kind"),
		cacheLookups:   counter("pam_cache_lookups_total", "Cache reads by result: hit, miss, stale.", "result"),
		slowQueries:    counter("pam_db_slow_queries_total", "Database operations slower than the slow-query threshold, by operation.", "op"),
		chaosFaults:    counter("pam_chaos_faults_total", "Faults injected by PAM_CHAOS, by fault.", "fault"),
		alertsFiring:   gauge("pam_alert_firing", "In-process alert rules: 1 while firing.", "alert"),
		scale:          prometheus.NewGauge(prometheus.GaugeOpts{Name: "pam_scale_recommendation", Help: "Observed p95 turn latency over the 3 s scaling target; above 1 means add instances (the HPA targets 1)."}),
		spendRatio:     gauge("pam_model_spend_budget_ratio", "Model spend over its budget, by period (day, month).", "period"),
		cb:             newCallbacks(),
	}
	reg.MustRegister(m.httpLatency, m.rateLimited, m.TurnLatency, m.Connections, m.errors, m.toolLatency,
		m.modelLatency, m.modelAttempts, m.modelRetries, m.modelFallbacks, m.modelBreaker, m.modelCost,
		m.modelTokens, m.cacheLookups, m.slowQueries, m.chaosFaults, m.alertsFiring, m.scale, m.spendRatio, m.cb,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveHTTP records one request; an error status also counts in
// pam_errors_total under the category its status implies.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	code := statusLabel(status)
	m.httpLatency.WithLabelValues(route, method, code).Observe(d.Seconds())
	if status >= 400 {
		m.errors.WithLabelValues("http", string(categoryOfStatus(status)), code).Inc()
	}
}

// statusLabels are the status label values of the HTTP status range, made
// once: strconv.Itoa allocates one per request for them.
var statusLabels = func() (l [600]string) {
	for i := 100; i < len(l); i++ {
		l[i] = strconv.Itoa(i)
	}
	return l
}()

// statusLabel is strconv.Itoa(status), from statusLabels when in range.
func statusLabel(status int) string {
	if status >= 100 && status < len(statusLabels) {
		return statusLabels[status]
	}
	return strconv.Itoa(status)
}

// ObserveError counts an error answered on a transport other than plain HTTP
// (a WebSocket error frame, a failed background turn).
func (m *Metrics) ObserveError(transport string, err error) {
	if err == nil {
		return
	}
	m.errors.WithLabelValues(transport, string(pamerr.CategoryOf(err)), string(pamerr.CodeOf(err))).Inc()
}

func categoryOfStatus(status int) pamerr.Category {
	switch {
	case status == http.StatusBadGateway || status == http.StatusGatewayTimeout:
		return pamerr.CategoryExternal
	case status == http.StatusServiceUnavailable:
		return pamerr.CategorySystem
	case status >= 500:
		return pamerr.CategoryUnknown
	default:
		return pamerr.CategoryUser
	}
}

// RateLimited counts a refusal.
func (m *Metrics) RateLimited(scope string) { m.rateLimited.WithLabelValues(scope).Inc() }

// ObserveTurn records one chat turn.
func (m *Metrics) ObserveTurn(source string, degraded bool, d time.Duration) {
	m.TurnLatency.WithLabelValues(source, strconv.FormatBool(degraded)).Observe(d.Seconds())
}

// ObserveTool records one tool handler run; outcome is "ok" or a failure status.
func (m *Metrics) ObserveTool(tool, outcome string, d time.Duration) {
	m.toolLatency.WithLabelValues(tool, outcome).Observe(d.Seconds())
}

// CacheLookup counts a cache read: "hit", "miss" or "stale".
func (m *Metrics) CacheLookup(result string) { m.cacheLookups.WithLabelValues(result).Inc() }

// SlowQuery counts a database operation over the slow-query threshold.
func (m *Metrics) SlowQuery(op string) { m.slowQueries.WithLabelValues(op).Inc() }

// ChaosFault counts an injected fault.
func (m *Metrics) ChaosFault(fault string) { m.chaosFaults.WithLabelValues(fault).Inc() }

// SetQueueDepth reports the turn queue's depth at every scrape.
func (m *Metrics) SetQueueDepth(f func() int) { m.cb.set("queue", f) }

// SetDBPool reports the database pool's use at every scrape.
func (m *Metrics) SetDBPool(f func() (inUse, max int)) { m.cb.setPool(f) }

// SetBreakers reports circuit breaker states ("closed", "half-open", "open")
// of one kind of dependency (e.g. "tool") at every scrape.
func (m *Metrics) SetBreakers(kind string, f func() map[string]string) { m.cb.setBreakers(kind, f) }

// AddView adds a section to the admin JSON view.
func (m *Metrics) AddView(name string, f func() any) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.views = append(m.views, view{name, f})
}

// breakerValue maps a breaker state to the gauge value.
func breakerValue(state string) float64 {
	switch state {
	case "open":
		return 2
	case "half-open", "half_open":
		return 1
	default:
		return 0
	}
}
