package agent_test

import (
	"context"
	"encoding/json"
	"sort"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/tools"
)

// BenchmarkTwoRoundTurn measures PAM's own work for a turn with two tool
// rounds (two parallel calls, then one) against a zero-latency model: context
// assembly, prefilter, executor (validation, breaker, timeout), result
// encoding and the loop. It reports the median and p99 per turn.
//
//	go test -run '^$' -bench TwoRoundTurn -benchmem ./internal/agent
func BenchmarkTwoRoundTurn(b *testing.B) {
	reg := tools.NewRegistry()
	reg.MustRegister(tools.Tool{
		Name: "lookup", Description: "look something up", Category: tools.CategoryKnowledge,
		Parameters: json.RawMessage(`{"type":"object","properties":{"q":{"type":"string"}},"required":["q"]}`),
		Handler: func(_ context.Context, c *tools.Call) (*tools.Result, error) {
			return &tools.Result{Status: tools.StatusOK, Data: map[string]string{"answer": "42"}, Summary: "found it"}, nil
		},
	})
	round1 := calls(toolUse("a", "lookup", `{"q":"one"}`), toolUse("b", "lookup", `{"q":"two"}`))
	round2 := calls(toolUse("c", "lookup", `{"q":"three"}`))
	final := text("Here you go.")
	m := &fastModel{steps: []*llm.Response{round1, round2, final}}
	a := agent.New(m, tools.NewExecutor(reg, tools.ExecutorOptions{}), nil, nil, nil, agent.Config{})
	in := input()
	durations := make([]time.Duration, 0, b.N)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		if _, err := a.Run(context.Background(), in, nil); err != nil {
			b.Fatal(err)
		}
		durations = append(durations, time.Since(start))
	}
	b.StopTimer()
	sort.Slice(durations, func(i, j int) bool { return durations[i] < durations[j] })
	b.ReportMetric(float64(durations[len(durations)/2].Microseconds()), "p50-µs")
	b.ReportMetric(float64(durations[len(durations)*99/100].Microseconds()), "p99-µs")
}

// fastModel answers its steps in turn, per conversation length, with no latency.
type fastModel struct{ steps []*llm.Response }

func (f *fastModel) Name() string { return "test:fast" }

func (f *fastModel) Generate(_ context.Context, req *llm.Request, _ llm.DeltaFunc) (*llm.Response, error) {
	i := (len(req.Messages) - 1) / 2 // 1 message → step 0, 3 → step 1, 5 → step 2
	if i >= len(f.steps) {
		i = len(f.steps) - 1
	}
	r := *f.steps[i]
	r.Model = "test:fast"
	return &r, nil
}
