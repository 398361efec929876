package ratelimit

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/pamerr"
)

// Rule is a limit per window.
type Rule struct {
	Limit  int
	Window time.Duration
}

// ToolRules are per-tool limits per user; tools not listed are limited only
// by the per-user request limit.
type ToolRules map[string]Rule

// DefaultToolRules are the hardening plan's: plan_trip at most 5 a minute.
func DefaultToolRules() ToolRules {
	return ToolRules{"plan_trip": {Limit: 5, Window: time.Minute}}
}

// ParseToolRules reads "plan_trip=5/1m,find_rv_parks=20/1m" (an empty string
// is no rules).
func ParseToolRules(s string) (ToolRules, error) {
	out := ToolRules{}
	for _, part := range strings.Split(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, spec, ok := strings.Cut(part, "=")
		n, win, ok2 := strings.Cut(spec, "/")
		if !ok || !ok2 || strings.TrimSpace(name) == "" {
			return nil, fmt.Errorf("tool limit %q: want tool=N/window, e.g. plan_trip=5/1m", part)
		}
		limit, err := strconv.Atoi(strings.TrimSpace(n))
		if err != nil || limit < 1 {
			return nil, fmt.Errorf("tool limit %q: count must be a whole number ≥ 1", part)
		}
		window, err := time.ParseDuration(strings.TrimSpace(win))
		if err != nil || window <= 0 {
			return nil, fmt.Errorf("tool limit %q: window must be a positive duration", part)
		}
		out[strings.TrimSpace(name)] = Rule{Limit: limit, Window: window}
	}
	return out, nil
}

// CheckTool counts one call of tool by userID against its rule and returns a
// RATE_LIMITED *pamerr.Error with the retry delay when refused. A limiter
// error lets the call through (limits never take PAM down).
func (r ToolRules) CheckTool(ctx context.Context, l Limiter, userID, tool string) error {
	rule, ok := r[tool]
	if !ok {
		return nil
	}
	allowed, retry, err := l.Allow(ctx, "tool:"+tool+":"+userID, rule.Limit, rule.Window)
	if err != nil || allowed {
		return nil
	}
	return &pamerr.Error{Code: pamerr.RateLimited,
		Message:    fmt.Sprintf("%s is limited to %d a %s; please retry in %ds.", tool, rule.Limit, rule.Window, int(retry.Round(time.Second)/time.Second)),
		RetryAfter: retry}
}
