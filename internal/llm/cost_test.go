package llm_test

import (
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/llm"
)

func TestCostOf(t *testing.T) {
	tests := []struct {
		model string
		u     llm.Usage
		want  string
	}{
		// 1M in at $3 + 1M out at $15.
		{"anthropic:claude-sonnet-4-5", llm.Usage{InputTokens: 1_000_000, OutputTokens: 1_000_000}, "18"},
		// A dated id matches its family; cache read $0.30/M, cache write $3.75/M.
		{"claude-sonnet-4-5-20250929", llm.Usage{CacheReadTokens: 10_000, CacheWriteTokens: 2_000}, "0.0105"},
		{"openai:gpt-4.1-mini", llm.Usage{InputTokens: 1234, OutputTokens: 567, CacheReadTokens: 1000}, "0.0015008"},
		// gpt-4.1-mini must not be priced as gpt-4.1 (longest prefix wins).
		{"openai:gpt-4.1-mini", llm.Usage{InputTokens: 1_000_000}, "0.4"},
		{"openai:gpt-4.1", llm.Usage{InputTokens: 1_000_000}, "2"},
		{"rules", llm.Usage{InputTokens: 500}, "0"},
		{"openai-compatible:some-local-model", llm.Usage{InputTokens: 500}, "0"},
	}
	for _, tt := range tests {
		if got := llm.CostOf(tt.model, tt.u); !got.Equal(decimal.RequireFromString(tt.want)) {
			t.Errorf("CostOf(%s, %+v) = %s, want %s", tt.model, tt.u, got, tt.want)
		}
	}
}

func TestPriceTableIsFree(t *testing.T) {
	p := llm.DefaultPrices()
	if !p.IsFree("rules") || p.IsFree("anthropic:claude-haiku-4-5") || p.IsFree("unknown-model") {
		t.Error("rules is free, priced models are not, unknown models are not known to be free")
	}
}

func TestContextWindow(t *testing.T) {
	tests := map[string]int{
		"anthropic:claude-sonnet-4-5": 200_000,
		"openai:gpt-4.1-mini":         1_047_576,
		"openai:gpt-4o-mini":          128_000,
		"gpt-5-mini":                  400_000,
		"openai-compatible:llama3":    llm.DefaultContextWindow,
	}
	for model, want := range tests {
		if got := llm.ContextWindow(model); got != want {
			t.Errorf("ContextWindow(%s) = %d, want %d", model, got, want)
		}
	}
}

func TestEstimateTokens(t *testing.T) {
	small := userRequest("hi")
	big := userRequest(string(make([]byte, 35_000)))
	if n := llm.EstimateTokens(small); n < 10 || n > 40 {
		t.Errorf("small request = %d tokens", n)
	}
	// 35 000 characters at 3.5 per token is 10 000 tokens, plus framing.
	if n := llm.EstimateTokens(big); n < 10_000 || n > 10_100 {
		t.Errorf("big request = %d tokens", n)
	}
	withTools := userRequest("hi")
	withTools.Tools = []llm.ToolDef{{Name: "create_expense", Description: "Log an expense", Parameters: []byte(`{"type":"object"}`)}}
	if llm.EstimateTokens(withTools) <= llm.EstimateTokens(small) {
		t.Error("tool definitions must count")
	}
	if llm.EstimateTokens(nil) != 0 {
		t.Error("nil request")
	}
}

func BenchmarkEstimateTokens(b *testing.B) {
	req := userRequest(string(make([]byte, 20_000)))
	for b.Loop() {
		llm.EstimateTokens(req)
	}
}

func BenchmarkCostOf(b *testing.B) {
	u := llm.Usage{InputTokens: 1234, OutputTokens: 567, CacheReadTokens: 1000}
	for b.Loop() {
		llm.CostOf("anthropic:claude-sonnet-4-5", u)
	}
}

func TestMemorySpendKeepsOneDay(t *testing.T) {
	s := llm.NewMemorySpend()
	ctx := testCtx(t)
	day1 := time.Date(2026, 11, 24, 23, 59, 0, 0, time.UTC)
	_, _, _ = s.Add(ctx, "u1", decimal.RequireFromString("1.25"), day1)
	user, global, _ := s.Add(ctx, "u2", decimal.RequireFromString("0.75"), day1)
	if !user.Equal(decimal.RequireFromString("0.75")) || !global.Equal(decimal.NewFromInt(2)) {
		t.Fatalf("day 1: user %s global %s", user, global)
	}
	user, global, _ = s.Totals(ctx, "u1", day1.Add(2*time.Minute))
	if !user.IsZero() || !global.IsZero() {
		t.Errorf("a new UTC day starts at zero: user %s global %s", user, global)
	}
}
