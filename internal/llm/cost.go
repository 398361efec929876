package llm

import (
	"log/slog"
	"strings"
	"sync"

	"github.com/shopspring/decimal"
)

// Price is what a model costs, in US dollars per million tokens.
type Price struct {
	Input      decimal.Decimal
	Output     decimal.Decimal
	CacheRead  decimal.Decimal
	CacheWrite decimal.Decimal
}

// PriceTable maps a model id (without the provider prefix) to its price. A
// model id matches the longest key it starts with, so "claude-sonnet-4-5"
// prices "claude-sonnet-4-5-20250929" too.
type PriceTable map[string]Price

func usd(s string) decimal.Decimal { return decimal.RequireFromString(s) }

func price(in, out, cacheRead, cacheWrite string) Price {
	return Price{Input: usd(in), Output: usd(out), CacheRead: usd(cacheRead), CacheWrite: usd(cacheWrite)}
}

// DefaultPrices returns list prices (USD per million tokens) of a few current
// models, as published by Anthropic and OpenAI in 2025. "rules" is free.
// Configure a PriceTable for anything else.
func DefaultPrices() PriceTable {
	return PriceTable{
		"rules":             {},
		"claude-opus-4-5":   price("5", "25", "0.50", "6.25"),
		"claude-opus-4-1":   price("15", "75", "1.50", "18.75"),
		"claude-opus-4":     price("15", "75", "1.50", "18.75"),
		"claude-sonnet-4-5": price("3", "15", "0.30", "3.75"),
		"claude-sonnet-4":   price("3", "15", "0.30", "3.75"),
		"claude-haiku-4-5":  price("1", "5", "0.10", "1.25"),
		"claude-3-5-haiku":  price("0.80", "4", "0.08", "1"),
		"gpt-5":             price("1.25", "10", "0.125", "0"),
		"gpt-5-mini":        price("0.25", "2", "0.025", "0"),
		"gpt-5-nano":        price("0.05", "0.40", "0.005", "0"),
		"gpt-4.1":           price("2", "8", "0.50", "0"),
		"gpt-4.1-mini":      price("0.40", "1.60", "0.10", "0"),
		"gpt-4.1-nano":      price("0.10", "0.40", "0.025", "0"),
		"gpt-4o":            price("2.50", "10", "1.25", "0"),
		"gpt-4o-mini":       price("0.15", "0.60", "0.075", "0"),
	}
}

var million = decimal.NewFromInt(1_000_000)

// Lookup returns the price of model ("provider:model" or a bare model id)
// and whether the table knows it.
func (t PriceTable) Lookup(model string) (Price, bool) {
	id := modelID(model)
	best, found := "", false
	for k := range t {
		if strings.HasPrefix(id, k) && len(k) >= len(best) {
			best, found = k, true
		}
	}
	return t[best], found
}

// Cost returns what u cost on model; an unknown model costs zero and is
// logged once as a warning so the table can be completed.
func (t PriceTable) Cost(model string, u Usage) decimal.Decimal {
	p, ok := t.Lookup(model)
	if !ok {
		warnUnknownPrice(model)
		return decimal.Zero
	}
	sum := p.Input.Mul(decimal.NewFromInt(int64(u.InputTokens))).
		Add(p.Output.Mul(decimal.NewFromInt(int64(u.OutputTokens)))).
		Add(p.CacheRead.Mul(decimal.NewFromInt(int64(u.CacheReadTokens)))).
		Add(p.CacheWrite.Mul(decimal.NewFromInt(int64(u.CacheWriteTokens))))
	return sum.Div(million)
}

// IsFree reports whether model costs nothing by t (rules, local models priced at zero).
func (t PriceTable) IsFree(model string) bool {
	p, ok := t.Lookup(model)
	return ok && p.Input.IsZero() && p.Output.IsZero() && p.CacheRead.IsZero() && p.CacheWrite.IsZero()
}

// CostOf returns what u cost on model by the default price table.
func CostOf(model string, u Usage) decimal.Decimal { return defaultPrices.Cost(model, u) }

var defaultPrices = DefaultPrices()

var warnedPrices sync.Map

func warnUnknownPrice(model string) {
	if _, seen := warnedPrices.LoadOrStore(model, true); !seen {
		slog.Warn("llm: no price for model; its cost counts as zero", slog.String("model", model))
	}
}

// modelID strips the provider prefix: "anthropic:claude-x" → "claude-x".
func modelID(model string) string {
	if _, id, ok := strings.Cut(model, ":"); ok {
		return id
	}
	return model
}
