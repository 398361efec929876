package observe

import (
	"context"
	"math"
	"strconv"
	"time"

	dto "github.com/prometheus/client_model/go"
)

// Latency is a latency summary in seconds.
type Latency struct {
	Count float64 `json:"count"`
	P50   float64 `json:"p50_seconds"`
	P95   float64 `json:"p95_seconds"`
	P99   float64 `json:"p99_seconds"`
}

func latencyOf(h histogram) Latency {
	return Latency{Count: h.Count, P50: finite(h.quantile(.5)), P95: finite(h.quantile(.95)), P99: finite(h.quantile(.99))}
}

func finite(f float64) float64 {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return 0
	}
	return f
}

// TurnsHistogram returns the turn latency histogram since start.
func (m *Metrics) TurnsHistogram() histogram {
	return gather(m.Registry).hist("pam_turn_duration_seconds", nil)
}

// AdminView is the admin JSON view (GET /api/v1/observability/metrics): the
// same figures as /metrics, summarized since start, plus the sections added
// with AddView (alerts, monitors, scaling, spend).
func (m *Metrics) AdminView(_ context.Context) any {
	f := gather(m.Registry)
	byLabel := func(name, label, value string) func(*dto.Metric) bool {
		return func(x *dto.Metric) bool { return labelOf(x, label) == value }
	}
	tools := map[string]any{}
	for name := range f.by("pam_tool_duration_seconds", "tool") {
		h := f.hist("pam_tool_duration_seconds", byLabel("", "tool", name))
		tools[name] = map[string]any{"latency": latencyOf(h), "outcomes": outcomes(f, "pam_tool_duration_seconds", "tool", name)}
	}
	models := map[string]any{}
	for name := range f.by("pam_model_request_duration_seconds", "model") {
		h := f.hist("pam_model_request_duration_seconds", byLabel("", "model", name))
		models[name] = map[string]any{"latency": latencyOf(h), "outcomes": outcomes(f, "pam_model_request_duration_seconds", "model", name)}
	}
	httpTotal := f.sum("pam_http_request_duration_seconds", nil)
	http5xx := takeSample(m.Registry).HTTP5xx
	cache := f.by("pam_cache_lookups_total", "result")
	hitRatio := 0.0
	if n := cache["hit"] + cache["miss"]; n > 0 {
		hitRatio = cache["hit"] / n
	}
	out := map[string]any{
		"generated_at":       time.Now().UTC(),
		"active_connections": f.sum("pam_active_connections", nil),
		"turns":              latencyOf(f.hist("pam_turn_duration_seconds", nil)),
		"turns_by_source":    f.by("pam_turn_duration_seconds", "source"),
		"http": map[string]any{"requests": httpTotal, "server_errors": http5xx,
			"error_rate": finite(http5xx / httpTotal), "latency": latencyOf(f.hist("pam_http_request_duration_seconds", nil))},
		"errors_by_category":    f.by("pam_errors_total", "category"),
		"tools":                 tools,
		"models":                models,
		"model_retries":         f.by("pam_model_retries_total", "model"),
		"model_fallbacks":       f.by("pam_model_fallbacks_total", "to"),
		"model_cost_dollars":    f.by("pam_model_cost_dollars_total", "model"),
		"queue_depth":           f.sum("pam_queue_depth", nil),
		"cache":                 map[string]any{"hit": cache["hit"], "miss": cache["miss"], "stale": cache["stale"], "hit_ratio": hitRatio},
		"rate_limit_rejections": f.by("pam_rate_limit_rejections_total", "scope"),
		"db_pool":               map[string]any{"in_use": f.sum("pam_db_pool_in_use", nil), "max": f.sum("pam_db_pool_max", nil), "usage_ratio": f.sum("pam_db_pool_usage_ratio", nil)},
		"db_slow_queries":       f.by("pam_db_slow_queries_total", "op"),
		"breakers":              breakers(f),
		"scale_recommendation":  f.sum("pam_scale_recommendation", nil),
		"chaos_faults":          f.by("pam_chaos_faults_total", "fault"),
	}
	m.mu.Lock()
	views := append([]view(nil), m.views...)
	m.mu.Unlock()
	for _, v := range views {
		out[v.name] = v.f()
	}
	return out
}

func outcomes(f families, name, label, value string) map[string]float64 {
	out := map[string]float64{}
	fam := f[name]
	if fam == nil {
		return out
	}
	for _, m := range fam.GetMetric() {
		if labelOf(m, label) == value {
			out[labelOf(m, "outcome")] += float64(m.GetHistogram().GetSampleCount())
		}
	}
	return out
}

func breakers(f families) map[string]string {
	out := map[string]string{}
	names := map[float64]string{0: "closed", 1: "half-open", 2: "open"}
	if fam := f["pam_breaker_state"]; fam != nil {
		for _, m := range fam.GetMetric() {
			out[labelOf(m, "kind")+":"+labelOf(m, "name")] = names[m.GetGauge().GetValue()]
		}
	}
	if fam := f["pam_model_breaker_state"]; fam != nil {
		for _, m := range fam.GetMetric() {
			out["model:"+labelOf(m, "model")] = names[m.GetGauge().GetValue()]
		}
	}
	return out
}

func trimFloat(f float64) string { return strconv.FormatFloat(f, 'f', -1, 64) }
