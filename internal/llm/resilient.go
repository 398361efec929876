package llm

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"sync"
	"sync/atomic"
	"time"

	"github.com/sony/gobreaker/v2"
)

// errAttemptTimeout is the cancel cause of an attempt that ran out of time.
var errAttemptTimeout = errors.New("attempt timed out")

// resilient wraps one provider with the Policy.
type resilient struct {
	m       Model
	p       Policy
	o       options
	breaker *gobreaker.CircuitBreaker[*Response]
}

// Resilient wraps m with the policy p: a timeout per attempt, retries with
// exponential backoff and full jitter (honouring retry-after, capped at
// p.MaxRetryAfter, never waiting past the deadline), and a circuit breaker for
// m. A streamed call is retried only while no text has been passed on.
// Errors are *ProviderError; an open breaker answers KindBreakerOpen at once.
func Resilient(m Model, p Policy, opts ...Option) Model {
	r := &resilient{m: m, p: p.WithDefaults(), o: buildOptions(opts)}
	r.breaker = gobreaker.NewCircuitBreaker[*Response](gobreaker.Settings{
		Name:        m.Name(),
		MaxRequests: 1,
		Timeout:     r.p.BreakerOpen,
		ReadyToTrip: func(c gobreaker.Counts) bool {
			return c.ConsecutiveFailures >= uint32(r.p.BreakerFailures)
		},
		IsSuccessful: func(err error) bool { return err == nil || !countsAgainstBreaker(err) },
		IsExcluded:   func(err error) bool { return KindOf(err) == KindCanceled },
		OnStateChange: func(name string, from, to gobreaker.State) {
			r.o.logger.Warn("llm breaker state", slog.String("model", name),
				slog.String("from", from.String()), slog.String("to", to.String()))
			r.o.observer.BreakerState(name, from.String(), to.String())
		},
	})
	return r
}

func (r *resilient) Name() string { return r.m.Name() }

func (r *resilient) Generate(ctx context.Context, req *Request, onDelta DeltaFunc) (*Response, error) {
	callCtx, cancel := context.WithTimeout(ctx, r.p.TurnDeadline)
	defer cancel()

	var passedOn atomic.Bool // a delta reached the caller: no more retries
	for attempt := 1; ; attempt++ {
		resp, err := r.attemptThroughBreaker(ctx, callCtx, req, onDelta, attempt, &passedOn)
		if err == nil {
			return resp, nil
		}
		if passedOn.Load() || !IsRetryable(err) || attempt > r.p.MaxRetries {
			return nil, err
		}
		wait := r.backoff(attempt, err)
		if dl, ok := callCtx.Deadline(); ok && time.Until(dl) < wait {
			return nil, err // waiting would overrun the deadline: let the chain move on
		}
		r.o.observer.Retry(r.Name(), attempt, wait, err)
		r.o.logger.Info("llm retry", slog.String("model", r.Name()), slog.Int("attempt", attempt),
			slog.Duration("wait", wait), slog.String("error", err.Error()))
		t := time.NewTimer(wait)
		select {
		case <-t.C:
		case <-callCtx.Done():
			t.Stop()
			return nil, r.ctxError(ctx, callCtx.Err())
		}
	}
}

// attemptThroughBreaker runs one attempt inside the breaker and normalizes its error.
func (r *resilient) attemptThroughBreaker(ctx, callCtx context.Context, req *Request, onDelta DeltaFunc, attempt int, passedOn *atomic.Bool) (*Response, error) {
	resp, err := r.breaker.Execute(func() (*Response, error) {
		return r.attempt(ctx, callCtx, req, onDelta, attempt, passedOn)
	})
	if errors.Is(err, gobreaker.ErrOpenState) || errors.Is(err, gobreaker.ErrTooManyRequests) {
		return nil, &ProviderError{Provider: r.Name(), Kind: KindBreakerOpen, Err: err}
	}
	return resp, err
}

// attempt makes one call with its own timeout. For a streamed call the timer
// is re-armed by every delta, so it measures silence, not total length.
func (r *resilient) attempt(ctx, callCtx context.Context, req *Request, onDelta DeltaFunc, attempt int, passedOn *atomic.Bool) (*Response, error) {
	actx, cancel := context.WithCancelCause(callCtx)
	defer cancel(nil)
	timer := time.AfterFunc(r.p.AttemptTimeout, func() { cancel(errAttemptTimeout) })
	defer timer.Stop()

	var deliver DeltaFunc
	if onDelta != nil {
		var mu sync.Mutex
		deliver = func(text string) {
			mu.Lock()
			defer mu.Unlock()
			if actx.Err() != nil {
				return // a late fragment of an abandoned attempt
			}
			timer.Reset(r.p.AttemptTimeout)
			passedOn.Store(true)
			onDelta(text)
		}
	}

	r.o.observer.Attempt(r.Name(), attempt)
	start := time.Now()
	resp, err := r.m.Generate(actx, req, deliver)
	if err == nil && resp == nil {
		err = &ProviderError{Provider: r.Name(), Kind: KindMalformed, Err: errors.New("no response and no error")}
	}
	if err != nil {
		err = r.normalize(ctx, callCtx, actx, err)
	}
	r.o.observer.Latency(r.Name(), time.Since(start), err)
	if err != nil {
		return nil, err
	}
	if resp.Model == "" {
		resp.Model = r.Name()
	}
	return resp, nil
}

// normalize turns err into a *ProviderError, telling the caller's cancel
// apart from our own timeouts.
func (r *resilient) normalize(ctx, callCtx, actx context.Context, err error) error {
	if ctx.Err() != nil {
		return r.ctxError(ctx, err)
	}
	if callCtx.Err() != nil {
		return &ProviderError{Provider: r.Name(), Kind: KindTimeout, Err: fmt.Errorf("call deadline %s: %w", r.p.TurnDeadline, err)}
	}
	if errors.Is(context.Cause(actx), errAttemptTimeout) {
		return &ProviderError{Provider: r.Name(), Kind: KindTimeout, Err: fmt.Errorf("attempt timeout %s: %w", r.p.AttemptTimeout, err)}
	}
	var pe *ProviderError
	if errors.As(err, &pe) {
		return err
	}
	return TransportError(r.Name(), err)
}

// ctxError reports a call the caller gave up on (or the turn deadline ended).
func (r *resilient) ctxError(ctx context.Context, err error) error {
	if ctx.Err() != nil {
		return &ProviderError{Provider: r.Name(), Kind: KindCanceled, Err: fmt.Errorf("%w (%w)", ctx.Err(), err)}
	}
	return &ProviderError{Provider: r.Name(), Kind: KindTimeout, Err: fmt.Errorf("call deadline %s: %w", r.p.TurnDeadline, err)}
}

// backoff is the wait before retry number attempt: the provider's hint when
// it gave one, else full jitter over BaseBackoff·2^(attempt-1); both capped.
func (r *resilient) backoff(attempt int, err error) time.Duration {
	var pe *ProviderError
	if errors.As(err, &pe) && pe.RetryAfter > 0 {
		return min(pe.RetryAfter, r.p.MaxRetryAfter)
	}
	ceiling := r.p.BaseBackoff << min(attempt-1, 20)
	if ceiling <= 0 || ceiling > r.p.MaxRetryAfter {
		ceiling = r.p.MaxRetryAfter
	}
	return rand.N(ceiling + 1)
}
