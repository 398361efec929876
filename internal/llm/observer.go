package llm

import (
	"time"

	"github.com/shopspring/decimal"
)

// Observer receives the resilience policy's events; the observability
// package turns them into metrics. Methods must be quick and safe for
// concurrent use.
type Observer interface {
	// Attempt is called before each HTTP attempt (1 for the first).
	Attempt(model string, attempt int)
	// Retry is called when a failed attempt will be retried after wait.
	Retry(model string, attempt int, wait time.Duration, err error)
	// Latency is called after each attempt with its duration and result.
	Latency(model string, d time.Duration, err error)
	// BreakerState is called when a provider's breaker changes state
	// ("closed", "open", "half-open").
	BreakerState(model, from, to string)
	// Fallback is called when the chain moves from one link to the next.
	Fallback(from, to string, reason error)
	// Cost is called after an answer with what it cost.
	Cost(model, userID string, cost decimal.Decimal, u Usage)
}

// NopObserver ignores every event.
type NopObserver struct{}

func (NopObserver) Attempt(string, int)                         {}
func (NopObserver) Retry(string, int, time.Duration, error)     {}
func (NopObserver) Latency(string, time.Duration, error)        {}
func (NopObserver) BreakerState(string, string, string)         {}
func (NopObserver) Fallback(string, string, error)              {}
func (NopObserver) Cost(string, string, decimal.Decimal, Usage) {}

var _ Observer = NopObserver{}
