package llm

import (
	"log/slog"
	"time"
)

// Option configures Resilient and NewChain.
type Option func(*options)

type options struct {
	observer Observer
	logger   *slog.Logger
	prices   PriceTable
	spend    Spend
	limits   SpendLimits
	turn     time.Duration
}

func buildOptions(opts []Option) options {
	o := options{observer: NopObserver{}, logger: slog.Default(), prices: DefaultPrices()}
	for _, opt := range opts {
		opt(&o)
	}
	return o
}

// WithObserver sends attempt, retry, breaker, fallback, latency and cost events to obs.
func WithObserver(obs Observer) Option {
	return func(o *options) {
		if obs != nil {
			o.observer = obs
		}
	}
}

// WithLogger logs retries, fallbacks and price warnings to l.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithPrices replaces the default price table (NewChain).
func WithPrices(t PriceTable) Option {
	return func(o *options) {
		if t != nil {
			o.prices = t
		}
	}
}

// WithSpend makes the chain record what each answer cost in s and skip paid
// links once a ceiling of limits is reached (NewChain).
func WithSpend(s Spend, limits SpendLimits) Option {
	return func(o *options) { o.spend, o.limits = s, limits }
}

// WithTurnDeadline bounds all links of a chain but the last together by d
// (NewChain). The last link (normally rules) runs on the caller's context, so
// a turn whose models used up the deadline still gets an answer.
func WithTurnDeadline(d time.Duration) Option {
	return func(o *options) { o.turn = d }
}
