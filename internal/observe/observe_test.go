package observe

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
)

func TestQuantileInterpolates(t *testing.T) {
	h := histogram{Count: 100, Uppers: []float64{1, 2, 4}, Buckets: []float64{50, 90, 100}}
	tests := []struct {
		q, want float64
	}{{0.5, 1}, {0.7, 1.5}, {0.95, 3}, {1, 4}}
	for _, tc := range tests {
		if got := h.quantile(tc.q); math.Abs(got-tc.want) > 1e-9 {
			t.Errorf("quantile(%v) = %v, want %v", tc.q, got, tc.want)
		}
	}
	if !math.IsNaN((histogram{}).quantile(0.5)) {
		t.Error("an empty histogram has no quantile")
	}
}

func TestScalingSignalAboveThreeSeconds(t *testing.T) {
	tests := []struct {
		name     string
		latency  time.Duration
		scaleOut bool
	}{{"fast", 800 * time.Millisecond, false}, {"slow", 4 * time.Second, true}}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m := NewMetrics()
			mon := &Monitor{Metrics: m}
			mon.Check(context.Background())
			for i := 0; i < 20; i++ {
				m.ObserveTurn("openai", false, tc.latency)
			}
			mon.Check(context.Background())
			v := mon.Scaling()
			if v.ScaleOut != tc.scaleOut {
				t.Fatalf("scale out = %v (%+v)", v.ScaleOut, v)
			}
			if (v.Recommendation > 1) != tc.scaleOut {
				t.Fatalf("recommendation %v", v.Recommendation)
			}
			var buf bytes.Buffer
			_ = m.Registry // the gauge is exported
			got := gather(m.Registry).sum("pam_scale_recommendation", nil)
			if got != v.Recommendation {
				t.Fatalf("pam_scale_recommendation = %v, want %v%s", got, v.Recommendation, buf.String())
			}
		})
	}
}

func TestMonitorReportsUnexplainedGoroutineGrowth(t *testing.T) {
	m := NewMetrics()
	sink := &slackSink{}
	a := &Alerts{Metrics: m}
	conns := 0
	mon := &Monitor{Metrics: m, Alerts: a, Connections: func() int { return conns }, Warmup: 1}
	ctx := context.Background()
	mon.Check(ctx)
	mon.Check(ctx) // baseline
	stop := make(chan struct{})
	defer close(stop)
	n := mon.View().Baseline.Goroutines/5 + 10
	for i := 0; i < n; i++ {
		go func() { <-stop }()
	}
	for i := 0; i < 3; i++ {
		mon.Check(ctx)
	}
	_ = sink
	if v := a.View(); !hasAlert(v.Recent, "GoroutineGrowth") {
		t.Fatalf("no GoroutineGrowth alert: %+v", v.Recent)
	}
}

func TestMonitorIgnoresGrowthExplainedByConnections(t *testing.T) {
	m := NewMetrics()
	a := &Alerts{Metrics: m}
	conns := 10
	mon := &Monitor{Metrics: m, Alerts: a, Connections: func() int { return conns }, Warmup: 1}
	ctx := context.Background()
	mon.Check(ctx)
	mon.Check(ctx)
	stop := make(chan struct{})
	defer close(stop)
	n := mon.View().Baseline.Goroutines/5 + 10
	for i := 0; i < n; i++ {
		go func() { <-stop }()
	}
	conns = 100 // ten times the connections explain the goroutines
	for i := 0; i < 3; i++ {
		mon.Check(ctx)
	}
	if v := a.View(); hasAlert(v.Recent, "GoroutineGrowth") {
		t.Fatalf("growth explained by connections was reported: %+v", v.Recent)
	}
}

func hasAlert(as []Alert, name string) bool {
	for _, a := range as {
		if a.Name == name {
			return true
		}
	}
	return false
}

func TestReporterLogsUnknownErrorsWithStackAndAlerts(t *testing.T) {
	tests := []struct {
		name      string
		err       error
		category  string
		wantStack bool
		message   string
	}{
		{"unknown", errors.New("nil map write in budget"), "unknown", true, "Something went wrong on our side. Please try again."},
		{"user", pamerr.Invalid("amount", "amount must be positive"), "user", false, "amount must be positive"},
		{"external", pamerr.New(pamerr.UpstreamUnavailable, "weather is unavailable"), "external", false, "weather is unavailable"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var buf bytes.Buffer
			m := NewMetrics()
			a := &Alerts{Metrics: m}
			r := &Reporter{Log: NewLogger(&buf, "debug", nil).With("request_id", "req-12345678"), Metrics: m, Alerts: a}
			_, msg := r.Report(context.Background(), "ws", tc.err)
			if msg != tc.message {
				t.Fatalf("message %q", msg)
			}
			var line map[string]any
			if err := json.Unmarshal(buf.Bytes(), &line); err != nil {
				t.Fatalf("log is not one JSON line: %q", buf.String())
			}
			if line["category"] != tc.category || line["request_id"] != "req-12345678" {
				t.Fatalf("log line %v", line)
			}
			_, hasStack := line["stack"]
			if hasStack != tc.wantStack || hasAlert(a.View().Recent, "unknown_error") != tc.wantStack {
				t.Fatalf("stack %v / alert %v, want %v", hasStack, a.View().Recent, tc.wantStack)
			}
			if got := gather(m.Registry).by("pam_errors_total", "category")[tc.category]; got != 1 {
				t.Fatalf("pam_errors_total{category=%s} = %v", tc.category, got)
			}
		})
	}
}

func TestSlowQueryHandlerCounts(t *testing.T) {
	m := NewMetrics()
	mon := &Monitor{Metrics: m}
	m.OnSlowQuery(mon.SlowQuery)
	log := NewLogger(&bytes.Buffer{}, "info", m.SlowQueryHandler)
	for i := 0; i < 3; i++ {
		log.With("db", "postgres").Warn("slow query", "op", "ListExpenses", "duration", 2*time.Second)
	}
	log.Info("other")
	if got := gather(m.Registry).by("pam_db_slow_queries_total", "op")["ListExpenses"]; got != 3 {
		t.Fatalf("slow queries = %v", got)
	}
	v := mon.View()
	if len(v.SlowQueries) != 1 || v.SlowQueries[0].Count != 3 || v.SlowQueries[0].Slowest != 2*time.Second {
		t.Fatalf("monitor view %+v", v.SlowQueries)
	}
}

func TestAdminViewSummarizes(t *testing.T) {
	m := NewMetrics()
	m.ObserveTurn("rules", false, 200*time.Millisecond)
	m.ObserveTool("create_expense", "ok", 5*time.Millisecond)
	m.CacheLookup("hit")
	m.CacheLookup("miss")
	m.SetBreakers("tool", func() map[string]string { return map[string]string{"get_weather_forecast": "open"} })
	m.AddView("alerts", func() any { return AlertsView{Firing: []Alert{}} })
	raw, err := json.Marshal(m.AdminView(context.Background()))
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`"hit_ratio":0.5`, `"tool:get_weather_forecast":"open"`, `"create_expense"`, `"alerts":{"firing":[]`, `"turns":{"count":1`} {
		if !strings.Contains(string(raw), want) {
			t.Errorf("admin view lacks %s: %s", want, raw)
		}
	}
}

var _ = slog.LevelInfo
