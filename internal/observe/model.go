package observe

import (
	"errors"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/llm"
)

// ModelObserver returns the llm.Observer that turns the resilience policy's
// events into metrics and feeds spend into s (which may be nil).
func (m *Metrics) ModelObserver(s *Spend) llm.Observer { return modelObserver{m: m, spend: s} }

type modelObserver struct {
	m     *Metrics
	spend *Spend
}

var _ llm.Observer = modelObserver{}

func (o modelObserver) Attempt(model string, _ int) { o.m.modelAttempts.WithLabelValues(model).Inc() }

func (o modelObserver) Retry(model string, _ int, _ time.Duration, _ error) {
	o.m.modelRetries.WithLabelValues(model).Inc()
}

func (o modelObserver) Latency(model string, d time.Duration, err error) {
	o.m.modelLatency.WithLabelValues(model, modelOutcome(err)).Observe(d.Seconds())
}

func (o modelObserver) BreakerState(model, _, to string) {
	o.m.modelBreaker.WithLabelValues(model).Set(breakerValue(to))
}

func (o modelObserver) Fallback(from, to string, _ error) {
	o.m.modelFallbacks.WithLabelValues(from, to).Inc()
}

func (o modelObserver) Cost(model, _ string, cost decimal.Decimal, u llm.Usage) {
	o.m.modelCost.WithLabelValues(model).Add(cost.InexactFloat64())
	o.m.modelTokens.WithLabelValues(model, "input").Add(float64(u.InputTokens))
	o.m.modelTokens.WithLabelValues(model, "output").Add(float64(u.OutputTokens))
	if o.spend != nil {
		o.spend.Add(cost, time.Now())
	}
}

// modelOutcome is a small, bounded label for a model attempt's result: "ok"
// or the normalized error kind.
func modelOutcome(err error) string {
	if err == nil {
		return "ok"
	}
	var pe *llm.ProviderError
	if errors.As(err, &pe) && pe.Kind != "" {
		return string(pe.Kind)
	}
	return string(llm.KindUnknown)
}
