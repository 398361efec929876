package llm

import "time"

// Policy is the one timeout/retry/breaker configuration every provider call
// goes through (refactor plan §5). The zero value of a field means its default.
type Policy struct {
	// AttemptTimeout bounds one HTTP attempt. For a streamed call it bounds
	// the wait for the first text and then every gap between texts, so a long
	// answer that keeps flowing is not cut.
	AttemptTimeout time.Duration
	// TurnDeadline bounds one Generate on a provider, retries and waits
	// included. To bound all providers of a chain together, give NewChain
	// WithTurnDeadline (providers.Build does).
	TurnDeadline time.Duration
	// MaxRetries is the number of retries after the first attempt; negative means none.
	MaxRetries int
	// BaseBackoff is the first retry's backoff ceiling; it doubles per retry (full jitter).
	BaseBackoff time.Duration
	// MaxRetryAfter caps a provider's retry-after hint and the backoff.
	MaxRetryAfter time.Duration
	// BreakerFailures consecutive failed attempts open the provider's breaker.
	BreakerFailures int
	// BreakerOpen is how long an open breaker refuses calls before one probe.
	BreakerOpen time.Duration
}

// DefaultPolicy returns the defaults of the hardening plan: 10 s per attempt,
// 30 s per call, 2 retries from 500 ms, retry-after capped at 20 s, a breaker
// opening after 5 failures for 60 s.
func DefaultPolicy() Policy {
	return Policy{
		AttemptTimeout:  10 * time.Second,
		TurnDeadline:    30 * time.Second,
		MaxRetries:      2,
		BaseBackoff:     500 * time.Millisecond,
		MaxRetryAfter:   20 * time.Second,
		BreakerFailures: 5,
		BreakerOpen:     60 * time.Second,
	}
}

// WithDefaults returns p with its zero fields set from DefaultPolicy.
func (p Policy) WithDefaults() Policy {
	d := DefaultPolicy()
	if p.AttemptTimeout <= 0 {
		p.AttemptTimeout = d.AttemptTimeout
	}
	if p.TurnDeadline <= 0 {
		p.TurnDeadline = d.TurnDeadline
	}
	if p.MaxRetries == 0 {
		p.MaxRetries = d.MaxRetries
	}
	if p.MaxRetries < 0 {
		p.MaxRetries = 0
	}
	if p.BaseBackoff <= 0 {
		p.BaseBackoff = d.BaseBackoff
	}
	if p.MaxRetryAfter <= 0 {
		p.MaxRetryAfter = d.MaxRetryAfter
	}
	if p.BreakerFailures <= 0 {
		p.BreakerFailures = d.BreakerFailures
	}
	if p.BreakerOpen <= 0 {
		p.BreakerOpen = d.BreakerOpen
	}
	return p
}
