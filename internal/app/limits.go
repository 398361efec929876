package app

import (
	"context"
	"fmt"
	"time"

	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/ratelimit"
	"github.com/pamtravel/pam/internal/tools"
)

// limitTools wraps the handler of every tool with a rule in PAM_TOOL_LIMITS
// so a user calling it too often gets a rate_limited result (which the model
// relays with the retry delay) instead of another expensive call. The counts
// live in the shared limiter, so they hold across instances.
func (c *components) limitTools(reg *tools.Registry, cfg *config.Config) error {
	rules, err := ratelimit.ParseToolRules(cfg.ToolLimits)
	if err != nil {
		return fmt.Errorf("config: PAM_TOOL_LIMITS: %w", err)
	}
	for name := range rules {
		t, ok := reg.Get(name)
		if !ok {
			return fmt.Errorf("config: PAM_TOOL_LIMITS: unknown tool %q", name)
		}
		next := t.Handler
		limiter := c.scale.limiter
		t.Handler = func(ctx context.Context, call *tools.Call) (*tools.Result, error) {
			if err := rules.CheckTool(ctx, limiter, call.UserID, name); err != nil {
				return nil, tools.Fail(tools.StatusRateLimited, pamerr.MessageOf(err))
			}
			return next(ctx, call)
		}
	}
	return nil
}

// turnLimiter admits at most PAM_MAX_CONCURRENT_TURNS turns of one user at
// once, across instances when the concurrency cap is shared.
func turnLimiter(cc ratelimit.Concurrency, limit int) func(ctx context.Context, userID string) (func(), error) {
	return func(ctx context.Context, userID string) (func(), error) {
		release, ok, err := cc.Acquire(ctx, "turns:"+userID, limit)
		if err != nil {
			return func() {}, nil // a broken cap never stops a turn
		}
		if !ok {
			return nil, &pamerr.Error{Code: pamerr.RateLimited,
				Message:    fmt.Sprintf("You already have %d messages being answered; please wait for one to finish.", limit),
				RetryAfter: 2 * time.Second}
		}
		return release, nil
	}
}
