// Package observe owns PAM's logs (log/slog JSON with request and user ids)
// and metrics (Prometheus, prefix pam_), and the monitors and alert rules
// built on them.
package observe

import (
	"io"
	"log/slog"
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// NewLogger returns a JSON logger at level; wrap (e.g. redaction) may be nil.
func NewLogger(w io.Writer, level string, wrap func(slog.Handler) slog.Handler) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level))
	var h slog.Handler = slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l})
	if wrap != nil {
		h = wrap(h)
	}
	return slog.New(h)
}

// Metrics holds PAM's Prometheus collectors.
type Metrics struct {
	Registry    *prometheus.Registry
	httpLatency *prometheus.HistogramVec
	rateLimited *prometheus.CounterVec
	TurnLatency *prometheus.HistogramVec
	Connections prometheus.Gauge
}

// NewMetrics registers PAM's collectors on a fresh registry.
func NewMetrics() *Metrics {
	reg := prometheus.NewRegistry()
	m := &Metrics{
		Registry: reg,
		httpLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pam_http_request_duration_seconds", Help: "HTTP request latency by route, method and status.",
			Buckets: prometheus.DefBuckets,
		}, []string{"route", "method", "status"}),
		rateLimited: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "pam_rate_limit_rejections_total", Help: "Requests refused by a rate limit, by scope.",
		}, []string{"scope"}),
		TurnLatency: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "pam_turn_duration_seconds", Help: "Chat turn latency by answering source.",
			Buckets: []float64{.005, .01, .025, .05, .1, .25, .5, 1, 2, 3, 5, 10, 30},
		}, []string{"source", "degraded"}),
		Connections: prometheus.NewGauge(prometheus.GaugeOpts{
			Name: "pam_active_connections", Help: "Open WebSocket connections on this instance.",
		}),
	}
	reg.MustRegister(m.httpLatency, m.rateLimited, m.TurnLatency, m.Connections,
		collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	return m
}

// Handler serves /metrics.
func (m *Metrics) Handler() http.Handler {
	return promhttp.HandlerFor(m.Registry, promhttp.HandlerOpts{Registry: m.Registry})
}

// ObserveHTTP records one request.
func (m *Metrics) ObserveHTTP(route, method string, status int, d time.Duration) {
	m.httpLatency.WithLabelValues(route, method, strconv.Itoa(status)).Observe(d.Seconds())
}

// RateLimited counts a refusal.
func (m *Metrics) RateLimited(scope string) { m.rateLimited.WithLabelValues(scope).Inc() }
