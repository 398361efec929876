package ratelimit

import (
	"context"
	"sync"
	"time"
)

// AdaptiveConfig says how a clean history earns a higher limit. Zero values take the defaults.
type AdaptiveConfig struct {
	Step     time.Duration // each full Step of clean history adds StepGain; default 24 h
	StepGain float64       // fraction of the base limit added per step; default 0.1
	MaxGain  float64       // the most a user can earn, as a fraction of the base; default 1.0 (×2)
}

// Adaptive wraps a Limiter: a user whose history is clean (no refusal, no
// abuse reported) for a while earns a proportionally higher limit, and loses
// the bonus on the next violation. Trust is kept per instance; the counts
// themselves stay in the wrapped (possibly global) limiter.
type Adaptive struct {
	inner Limiter
	cfg   AdaptiveConfig
	now   func() time.Time

	mu    sync.Mutex
	since map[string]time.Time // key → start of its clean history
}

var _ Limiter = (*Adaptive)(nil)

// maxTracked bounds the keys whose history is remembered.
const maxTracked = 200_000

// NewAdaptive returns an adaptive limiter over inner.
func NewAdaptive(inner Limiter, cfg AdaptiveConfig) *Adaptive {
	if cfg.Step <= 0 {
		cfg.Step = 24 * time.Hour
	}
	if cfg.StepGain <= 0 {
		cfg.StepGain = 0.1
	}
	if cfg.MaxGain <= 0 {
		cfg.MaxGain = 1
	}
	return &Adaptive{inner: inner, cfg: cfg, now: time.Now, since: map[string]time.Time{}}
}

// Limit returns the limit key earns over base now.
func (a *Adaptive) Limit(key string, base int) int {
	a.mu.Lock()
	since, ok := a.since[key]
	if !ok {
		if len(a.since) >= maxTracked {
			clear(a.since) // bounded memory: everyone starts a fresh clean history
		}
		a.since[key] = a.now()
		a.mu.Unlock()
		return base
	}
	a.mu.Unlock()
	steps := float64(a.now().Sub(since) / a.cfg.Step)
	gain := min(steps*a.cfg.StepGain, a.cfg.MaxGain)
	return base + int(float64(base)*gain)
}

// Violation resets key's clean history (a refusal, a blocked injection, abuse).
func (a *Adaptive) Violation(key string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.since[key] = a.now()
}

// Allow implements Limiter with the earned limit; a refusal counts as a violation.
func (a *Adaptive) Allow(ctx context.Context, key string, limit int, window time.Duration) (bool, time.Duration, error) {
	ok, retry, err := a.inner.Allow(ctx, key, a.Limit(key, limit), window)
	if err == nil && !ok {
		a.Violation(key)
	}
	return ok, retry, err
}
