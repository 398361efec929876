package llm_test

import (
	"context"
	"testing"

	"github.com/pamtravel/pam/internal/llm"
)

// BenchmarkResilientOverhead measures what the policy adds to a call
// (timer, breaker, delta relay) around a model that answers at once.
func BenchmarkResilientOverhead(b *testing.B) {
	m := llm.Resilient(&offline{}, llm.DefaultPolicy())
	req := userRequest("hi")
	ctx := context.Background()
	for b.Loop() {
		if _, err := m.Generate(ctx, req, func(string) {}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkChainOverhead adds the chain (delta capture, cost, spend) on top.
func BenchmarkChainOverhead(b *testing.B) {
	m := llm.NewChain([]llm.Model{llm.Resilient(&offline{}, llm.DefaultPolicy())},
		llm.WithSpend(llm.NewMemorySpend(), llm.SpendLimits{}))
	req := userRequest("hi")
	ctx := context.Background()
	for b.Loop() {
		if _, err := m.Generate(ctx, req, func(string) {}); err != nil {
			b.Fatal(err)
		}
	}
}
