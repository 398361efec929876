package observe

import (
	"context"
	"fmt"
	"log/slog"
	"math"
	"sort"
	"sync"
	"time"
)

// Alert is a firing (or resolved) alert.
type Alert struct {
	Name      string    `json:"name"`
	Severity  string    `json:"severity"` // warning, critical
	Summary   string    `json:"summary"`
	Value     float64   `json:"value"`
	Threshold float64   `json:"threshold"`
	Since     time.Time `json:"since"`
	Resolved  bool      `json:"resolved,omitempty"`
}

// Window is what the rules see: the change between two evaluations and the
// current gauges.
type Window struct {
	Requests   float64 // HTTP requests in the window
	Errors     float64 // HTTP 5xx answers in the window
	Turns      float64 // turns finished in the window
	TurnErrors float64 // turns that ended in an error
	TurnP95    float64 // seconds; NaN without turns
	Spend      SpendStatus
	PoolRatio  float64
}

// ErrorRate is the larger of the HTTP 5xx rate and the failed-turn rate.
func (w Window) ErrorRate() float64 {
	r := 0.0
	if w.Requests > 0 {
		r = w.Errors / w.Requests
	}
	if w.Turns > 0 {
		r = math.Max(r, w.TurnErrors/w.Turns)
	}
	return r
}

// Rule is one alert condition. The same conditions are in
// deploy/prometheus/pam-alerts.yml for a Prometheus server.
type Rule struct {
	Name, Severity, Summary string
	Threshold               float64
	// Value returns the measured value and whether there was enough data.
	Value func(Window) (float64, bool)
}

// DefaultRules are the hardening plan's alerts: error rate over 5 %, p95 over
// 5 s, model budget over 80 %, database pool over 95 %.
func DefaultRules() []Rule {
	return []Rule{
		{Name: "HighErrorRate", Severity: "critical", Summary: "error rate over 5%", Threshold: 0.05,
			Value: func(w Window) (float64, bool) { return w.ErrorRate(), w.Requests+w.Turns >= 20 }},
		{Name: "SlowTurns", Severity: "warning", Summary: "turn p95 over 5 s", Threshold: 5,
			Value: func(w Window) (float64, bool) { return w.TurnP95, w.Turns >= 5 && !math.IsNaN(w.TurnP95) }},
		{Name: "ModelBudget", Severity: "warning", Summary: "model spend over 80% of its budget", Threshold: 0.8,
			Value: func(w Window) (float64, bool) { return math.Max(w.Spend.DayRatio, w.Spend.MonthRatio), true }},
		{Name: "DatabasePoolSaturated", Severity: "critical", Summary: "database pool over 95% in use", Threshold: 0.95,
			Value: func(w Window) (float64, bool) { return w.PoolRatio, true }},
	}
}

// Notifier delivers alerts (a Slack-compatible webhook, a log).
type Notifier interface {
	Notify(ctx context.Context, a Alert) error
}

// Alerts evaluates rules over the metrics registry, keeps what is firing,
// and notifies on every change. Raise fires an event alert directly (unknown
// errors, monitors), at most once per name per Quiet period.
type Alerts struct {
	Metrics  *Metrics
	Spend    *Spend // nil: no budget rule data
	Rules    []Rule
	Notifier Notifier // nil: log only
	Log      *slog.Logger
	Quiet    time.Duration // between repeats of a raised alert (5 min)
	Now      func() time.Time

	mu     sync.Mutex
	prev   *sample
	firing map[string]Alert
	raised map[string]time.Time
	recent []Alert // last raised event alerts, newest last
}

// Run evaluates every interval (the plan: every minute) until ctx ends.
func (a *Alerts) Run(ctx context.Context, every time.Duration) {
	a.Evaluate(ctx)
	t := time.NewTicker(every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			a.Evaluate(ctx)
		}
	}
}

func (a *Alerts) now() time.Time {
	if a.Now != nil {
		return a.Now()
	}
	return time.Now()
}

func (a *Alerts) log() *slog.Logger {
	if a.Log != nil {
		return a.Log
	}
	return slog.Default()
}

// Evaluate takes a sample, compares it with the previous one and notifies
// alerts that start or stop firing. The first call only sets the baseline.
func (a *Alerts) Evaluate(ctx context.Context) {
	cur := takeSample(a.Metrics.Registry)
	a.mu.Lock()
	prev := a.prev
	a.prev = &cur
	if prev == nil {
		a.mu.Unlock()
		return
	}
	turns := cur.Turns.sub(prev.Turns)
	w := Window{Requests: cur.HTTPTotal - prev.HTTPTotal, Errors: cur.HTTP5xx - prev.HTTP5xx,
		Turns: turns.Count, TurnErrors: cur.TurnErrors - prev.TurnErrors, TurnP95: turns.quantile(0.95), PoolRatio: cur.PoolRatio}
	if a.Spend != nil {
		w.Spend = a.Spend.Status(a.now())
		a.Metrics.spendRatio.WithLabelValues("day").Set(w.Spend.DayRatio)
		a.Metrics.spendRatio.WithLabelValues("month").Set(w.Spend.MonthRatio)
	}
	changes := a.applyLocked(w)
	a.mu.Unlock()
	for _, al := range changes {
		a.notify(ctx, al)
	}
}

func (a *Alerts) applyLocked(w Window) []Alert {
	if a.firing == nil {
		a.firing = map[string]Alert{}
	}
	rules := a.Rules
	if rules == nil {
		rules = DefaultRules()
	}
	var changes []Alert
	for _, r := range rules {
		v, enough := r.Value(w)
		on := enough && v > r.Threshold
		cur, was := a.firing[r.Name]
		switch {
		case on && !was:
			al := Alert{Name: r.Name, Severity: r.Severity, Summary: r.Summary, Value: v, Threshold: r.Threshold, Since: a.now()}
			a.firing[r.Name] = al
			changes = append(changes, al)
		case on && was:
			cur.Value = v
			a.firing[r.Name] = cur
		case !on && was:
			delete(a.firing, r.Name)
			cur.Resolved, cur.Value = true, v
			changes = append(changes, cur)
		}
		a.Metrics.alertsFiring.WithLabelValues(r.Name).Set(map[bool]float64{true: 1, false: 0}[on])
	}
	return changes
}

// Raise fires an event alert now (deduplicated by name for the quiet period).
func (a *Alerts) Raise(ctx context.Context, al Alert) {
	quiet := a.Quiet
	if quiet <= 0 {
		quiet = 5 * time.Minute
	}
	now := a.now()
	a.mu.Lock()
	if a.raised == nil {
		a.raised = map[string]time.Time{}
	}
	if last, ok := a.raised[al.Name]; ok && now.Sub(last) < quiet {
		a.mu.Unlock()
		return
	}
	a.raised[al.Name] = now
	al.Since = now
	a.recent = append(a.recent, al)
	if len(a.recent) > 20 {
		a.recent = a.recent[len(a.recent)-20:]
	}
	a.mu.Unlock()
	a.notify(ctx, al)
}

func (a *Alerts) notify(ctx context.Context, al Alert) {
	state := "firing"
	if al.Resolved {
		state = "resolved"
	}
	a.log().WarnContext(ctx, "alert", "alert", al.Name, "state", state, "severity", al.Severity, "value", al.Value, "threshold", al.Threshold, "summary", al.Summary)
	if a.Notifier == nil {
		return
	}
	nctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	if err := a.Notifier.Notify(nctx, al); err != nil {
		a.log().ErrorContext(ctx, "alert notification failed", "alert", al.Name, "error", err)
	}
}

// AlertsView is the admin view of alerts.
type AlertsView struct {
	Firing []Alert `json:"firing"`
	Recent []Alert `json:"recent_events"`
}

// View returns what is firing and the recent event alerts.
func (a *Alerts) View() AlertsView {
	a.mu.Lock()
	defer a.mu.Unlock()
	v := AlertsView{Firing: []Alert{}, Recent: append([]Alert{}, a.recent...)}
	for _, al := range a.firing {
		v.Firing = append(v.Firing, al)
	}
	sort.Slice(v.Firing, func(i, j int) bool { return v.Firing[i].Name < v.Firing[j].Name })
	return v
}

// String renders an alert as one line for chat notifications.
func (al Alert) String() string {
	state := "FIRING"
	if al.Resolved {
		state = "RESOLVED"
	}
	return fmt.Sprintf("[%s] %s (%s): %s — value %.4g, threshold %.4g", state, al.Name, al.Severity, al.Summary, al.Value, al.Threshold)
}
