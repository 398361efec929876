package loadgen

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// BreakConfig drives the breaking-point search.
type BreakConfig struct {
	Start     int           // users in the first step (100)
	Factor    float64       // users multiply by this per step (1.5)
	Max       int           // stop here even if nothing broke (10000)
	Step      time.Duration // sending time per step (60 s)
	P95Limit  time.Duration // a step breaks when p95 exceeds this (3 s)
	ErrorRate float64       // or when the error rate exceeds this (0.01)
}

// Break is the breaking-point search's result.
type Break struct {
	Steps     []Report `json:"steps"`
	LastGood  int      `json:"last_good_users"`
	BrokeAt   int      `json:"broke_at_users"` // 0 when Max was reached unbroken
	Reason    string   `json:"reason"`
	P95Limit  string   `json:"p95_limit"`
	ErrorRate float64  `json:"error_rate_limit"`
}

// BreakingPoint raises users step by step until p95 or the error rate
// crosses its limit. Each step is a full Run (ramp-up, sending, grace) on
// the same accounts.
func BreakingPoint(ctx context.Context, cfg Config, b BreakConfig, log io.Writer) (*Break, error) {
	if b.Start <= 0 {
		b.Start = 100
	}
	if b.Factor <= 1 {
		b.Factor = 1.5
	}
	if b.Max <= 0 {
		b.Max = 10000
	}
	if b.Step <= 0 {
		b.Step = time.Minute
	}
	if b.P95Limit <= 0 {
		b.P95Limit = 3 * time.Second
	}
	if b.ErrorRate <= 0 {
		b.ErrorRate = 0.01
	}
	if cfg.Accounts == nil {
		cfg.Accounts = NewAccounts(cfg.Target, nil)
	}
	out := &Break{P95Limit: b.P95Limit.String(), ErrorRate: b.ErrorRate}
	for users := b.Start; ; users = next(users, b.Factor) {
		if users > b.Max {
			out.Reason = fmt.Sprintf("reached the maximum of %d users without breaking", b.Max)
			return out, nil
		}
		step := cfg
		step.Users, step.Duration = users, b.Step
		if step.RampUp <= 0 {
			step.RampUp = min(b.Step, time.Duration(users)*20*time.Millisecond)
		}
		if log != nil {
			fmt.Fprintf(log, "step: %d users for %s\n", users, b.Step)
		}
		r, err := Run(ctx, step)
		if err != nil {
			return out, err
		}
		out.Steps = append(out.Steps, *r)
		if log != nil {
			r.WriteText(log)
		}
		reason := ""
		switch {
		case r.P95 > b.P95Limit:
			reason = fmt.Sprintf("p95 %s over %s", ms(r.P95), b.P95Limit)
		case r.ErrorRate > b.ErrorRate:
			reason = fmt.Sprintf("error rate %.2f%% over %.2f%%", 100*r.ErrorRate, 100*b.ErrorRate)
		case r.SetupErrors > users/100:
			reason = fmt.Sprintf("%d users could not sign up or connect", r.SetupErrors)
		}
		if reason != "" {
			out.BrokeAt, out.Reason = users, reason
			return out, nil
		}
		out.LastGood = users
		if errors.Is(ctx.Err(), context.Canceled) {
			return out, ctx.Err()
		}
	}
}

func next(users int, factor float64) int {
	n := int(float64(users) * factor)
	if n <= users {
		n = users + 1
	}
	return n
}
