package redisx

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/llm"
)

// Spend is llm.Spend kept in Redis, so the daily model-spend ceilings hold
// for the whole deployment rather than for each instance. Amounts are kept
// as whole nano-dollars (exact integer sums; a model call costs at least
// some millionths of a dollar). While Redis is unreachable the instance
// counts in its fallback alone, as the limiter does.
type Spend struct {
	c        *Client
	fallback llm.Spend
}

var _ llm.Spend = (*Spend)(nil)

// NewSpend returns a shared Spend falling back to fallback (an in-process
// llm.MemorySpend when nil) while Redis is down.
func NewSpend(c *Client, fallback llm.Spend) *Spend {
	if fallback == nil {
		fallback = llm.NewMemorySpend()
	}
	return &Spend{c: c, fallback: fallback}
}

// spendKeep is how long a day's totals are kept: past the UTC day they count.
const spendKeep = 48 * time.Hour

var nano = decimal.New(1, 9)

func (s *Spend) keys(userID string, at time.Time) (user, global string) {
	day := at.UTC().Format(time.DateOnly)
	return s.c.Prefix + "spend:" + day + ":u:" + userID, s.c.Prefix + "spend:" + day + ":all"
}

// Add implements llm.Spend; a fraction of a nano-dollar counts as a whole one.
func (s *Spend) Add(ctx context.Context, userID string, amount decimal.Decimal, at time.Time) (decimal.Decimal, decimal.Decimal, error) {
	if !s.c.Healthy() {
		return s.fallback.Add(ctx, userID, amount, at)
	}
	n := amount.Mul(nano).Ceil().IntPart()
	uk, gk := s.keys(userID, at)
	var user, global *redis.IntCmd
	_, err := s.c.RDB.TxPipelined(ctx, func(p redis.Pipeliner) error {
		user, global = p.IncrBy(ctx, uk, n), p.IncrBy(ctx, gk, n)
		p.Expire(ctx, uk, spendKeep)
		p.Expire(ctx, gk, spendKeep)
		return nil
	})
	if err != nil {
		if ctx.Err() != nil {
			return decimal.Zero, decimal.Zero, fmt.Errorf("redis spend: %w", ctx.Err())
		}
		return s.fallback.Add(ctx, userID, amount, at)
	}
	return fromNano(user.Val()), fromNano(global.Val()), nil
}

// Totals implements llm.Spend.
func (s *Spend) Totals(ctx context.Context, userID string, at time.Time) (decimal.Decimal, decimal.Decimal, error) {
	if !s.c.Healthy() {
		return s.fallback.Totals(ctx, userID, at)
	}
	uk, gk := s.keys(userID, at)
	vals, err := s.c.RDB.MGet(ctx, uk, gk).Result()
	if err != nil || len(vals) != 2 {
		if ctx.Err() != nil {
			return decimal.Zero, decimal.Zero, fmt.Errorf("redis spend: %w", ctx.Err())
		}
		return s.fallback.Totals(ctx, userID, at)
	}
	return parseNano(vals[0]), parseNano(vals[1]), nil
}

func fromNano(n int64) decimal.Decimal { return decimal.New(n, -9) }

// parseNano reads an MGET value: nil (no spending yet) or a decimal integer.
func parseNano(v any) decimal.Decimal {
	s, ok := v.(string)
	if !ok {
		return decimal.Zero
	}
	d, err := decimal.NewFromString(s)
	if err != nil {
		return decimal.Zero
	}
	return d.Shift(-9)
}
