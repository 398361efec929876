package observe

import (
	"context"
	"math"
	"runtime"
	"sort"
	"sync"
	"time"
)

// ScaleTarget is the p95 turn latency above which PAM recommends more
// instances (hardening plan §5, "Scaling Triggers").
const ScaleTarget = 3 * time.Second

// Monitor checks, every interval: unexplained heap or goroutine growth (more
// than Growth over the baseline beyond what the growth in connections
// explains, three checks running), WebSocket subscriptions that outlive their
// connections (leaks), recurring slow queries, and the scaling signal (p95
// turn latency over ScaleTarget). Findings become alerts and admin views.
type Monitor struct {
	Metrics *Metrics
	Alerts  *Alerts
	// Connections is the number of open client connections (the gauge);
	// Subscriptions the delivery hub's live subscriptions. Either may be nil.
	Connections   func() int
	Subscriptions func() int
	Growth        float64 // 0.10
	Warmup        int     // checks before the baseline is taken (2)
	Now           func() time.Time
	// Advisor, when set (PostgreSQL), turns recurring slow queries into index suggestions.
	Advisor *IndexAdvisor

	mu          sync.Mutex
	checks      int
	base        *runtimeSample
	over        map[string]int // consecutive checks over the limit
	prevTurns   histogram
	scale       ScaleView
	runtimeNow  runtimeSample
	slow        map[string]*SlowOp
	suggestions []IndexSuggestion
}

type runtimeSample struct {
	Heap       uint64 `json:"heap_bytes"`
	Goroutines int    `json:"goroutines"`
	Conns      int    `json:"connections"`
}

// ScaleView is the scaling signal as the admin view shows it.
type ScaleView struct {
	P95Seconds     float64 `json:"p95_seconds"`
	TargetSeconds  float64 `json:"target_seconds"`
	Recommendation float64 `json:"recommendation"` // p95 / target; above 1: scale out
	ScaleOut       bool    `json:"scale_out"`
	Turns          float64 `json:"turns_in_window"`
	Advice         string  `json:"advice"`
}

// SlowOp is a database operation that was slow at least once.
type SlowOp struct {
	Op      string        `json:"op"`
	Count   int           `json:"count"`
	Slowest time.Duration `json:"slowest_ns"`
	Last    time.Time     `json:"last"`
}

func (m *Monitor) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

// Run checks every interval until ctx ends.
func (m *Monitor) Run(ctx context.Context, every time.Duration) {
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			m.Check(ctx)
		}
	}
}

// SlowQuery records a slow database operation (wired from the store's log).
func (m *Monitor) SlowQuery(op string, d time.Duration) {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.slow == nil {
		m.slow = map[string]*SlowOp{}
	}
	s := m.slow[op]
	if s == nil {
		s = &SlowOp{Op: op}
		m.slow[op] = s
	}
	s.Count++
	s.Last = m.now()
	if d > s.Slowest {
		s.Slowest = d
	}
}

// Check runs every monitor once.
func (m *Monitor) Check(ctx context.Context) {
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	cur := runtimeSample{Heap: ms.HeapAlloc, Goroutines: runtime.NumGoroutine()}
	if m.Connections != nil {
		cur.Conns = m.Connections()
	}
	turns := m.Metrics.TurnsHistogram()
	m.mu.Lock()
	m.checks++
	m.runtimeNow = cur
	alerts := m.growthLocked(cur)
	if m.Subscriptions != nil && m.Connections != nil {
		if leaked := m.Subscriptions() - cur.Conns; m.overLocked("leak", leaked > max(2, cur.Conns/10)) {
			alerts = append(alerts, Alert{Name: "LeakedConnections", Severity: "warning",
				Summary: "delivery subscriptions outnumber open connections", Value: float64(leaked), Threshold: float64(max(2, cur.Conns/10))})
		}
	}
	window := turns.sub(m.prevTurns)
	m.prevTurns = turns
	m.scale = scaleFrom(window)
	recurring := m.recurringLocked()
	m.mu.Unlock()

	m.Metrics.scale.Set(m.scale.Recommendation)
	if m.scale.ScaleOut {
		alerts = append(alerts, Alert{Name: "ScaleOut", Severity: "warning", Summary: m.scale.Advice,
			Value: m.scale.P95Seconds, Threshold: ScaleTarget.Seconds()})
	}
	for _, a := range alerts {
		if m.Alerts != nil {
			m.Alerts.Raise(ctx, a)
		}
	}
	if m.Advisor != nil && len(recurring) > 0 {
		if s, err := m.Advisor.Suggest(ctx); err == nil {
			m.mu.Lock()
			m.suggestions = s
			m.mu.Unlock()
		}
	}
}

func scaleFrom(window histogram) ScaleView {
	v := ScaleView{TargetSeconds: ScaleTarget.Seconds(), Turns: window.Count, Advice: "steady: no change needed"}
	p95 := window.quantile(0.95)
	if math.IsNaN(p95) {
		return v
	}
	v.P95Seconds = p95
	v.Recommendation = p95 / v.TargetSeconds
	if v.Recommendation > 1 {
		v.ScaleOut = true
		v.Advice = "p95 turn latency is over 3 s: add instances (about ×" + trimFloat(math.Ceil(v.Recommendation*10)/10) + ")"
	}
	return v
}

// growthLocked compares cur with the baseline; growth that the number of
// connections explains is not reported.
func (m *Monitor) growthLocked(cur runtimeSample) []Alert {
	warm := m.Warmup
	if warm <= 0 {
		warm = 2
	}
	if m.checks <= warm {
		return nil
	}
	if m.base == nil {
		b := cur
		m.base = &b
		return nil
	}
	limit := m.Growth
	if limit <= 0 {
		limit = 0.10
	}
	explained := float64(cur.Conns+1)/float64(m.base.Conns+1) - 1
	var out []Alert
	check := func(name, what string, now, base float64) {
		growth := now/math.Max(base, 1) - 1
		if m.overLocked(name, growth-math.Max(explained, 0) > limit) {
			out = append(out, Alert{Name: name, Severity: "warning",
				Summary: what + " grew more than 10% over its baseline without more connections", Value: growth, Threshold: limit})
		}
	}
	check("HeapGrowth", "heap", float64(cur.Heap), float64(m.base.Heap))
	check("GoroutineGrowth", "goroutine count", float64(cur.Goroutines), float64(m.base.Goroutines))
	return out
}

// overLocked counts consecutive checks where bad holds; true on the third.
func (m *Monitor) overLocked(name string, bad bool) bool {
	if m.over == nil {
		m.over = map[string]int{}
	}
	if !bad {
		m.over[name] = 0
		return false
	}
	m.over[name]++
	return m.over[name] == 3
}

// recurringLocked lists operations slow three or more times.
func (m *Monitor) recurringLocked() []SlowOp {
	var out []SlowOp
	for _, s := range m.slow {
		if s.Count >= 3 {
			out = append(out, *s)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Count > out[j].Count })
	return out
}

// MonitorView is the admin view of the monitors.
type MonitorView struct {
	Runtime          runtimeSample     `json:"runtime"`
	Baseline         *runtimeSample    `json:"baseline,omitempty"`
	Scaling          ScaleView         `json:"scaling"`
	SlowQueries      []SlowOp          `json:"slow_queries"`
	IndexSuggestions []IndexSuggestion `json:"index_suggestions"`
}

// View returns the monitors' latest findings.
func (m *Monitor) View() MonitorView {
	m.mu.Lock()
	defer m.mu.Unlock()
	v := MonitorView{Runtime: m.runtimeNow, Baseline: m.base, Scaling: m.scale, SlowQueries: []SlowOp{},
		IndexSuggestions: append([]IndexSuggestion{}, m.suggestions...)}
	for _, s := range m.slow {
		v.SlowQueries = append(v.SlowQueries, *s)
	}
	sort.Slice(v.SlowQueries, func(i, j int) bool { return v.SlowQueries[i].Count > v.SlowQueries[j].Count })
	if v.Scaling.TargetSeconds == 0 {
		v.Scaling = scaleFrom(histogram{})
	}
	return v
}

// Scaling returns the latest scaling signal.
func (m *Monitor) Scaling() ScaleView { return m.View().Scaling }
