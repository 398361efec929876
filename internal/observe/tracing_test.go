package observe

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"
	"go.opentelemetry.io/otel/trace/noop"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/tools"
)

type agentFunc func(ctx context.Context) (*agent.Output, error)

func (f agentFunc) Run(ctx context.Context, _ agent.Input, _ agent.Emitter) (*agent.Output, error) {
	return f(ctx)
}

// With tracing on, a tool's span nests under its turn's; a tool called
// outside a traced turn makes no span of its own.
func TestToolSpanNestsUnderTurn(t *testing.T) {
	rec := tracetest.NewSpanRecorder()
	tp := sdktrace.NewTracerProvider(sdktrace.WithSpanProcessor(rec))
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(tp)
	defer otel.SetTracerProvider(prev)

	m := NewMetrics()
	tool := m.toolHandler("get_weather", func(context.Context, *tools.Call) (*tools.Result, error) {
		return &tools.Result{Status: tools.StatusOK}, nil
	})
	turn := m.InstrumentAgent(agentFunc(func(ctx context.Context) (*agent.Output, error) {
		_, err := tool(ctx, &tools.Call{})
		return &agent.Output{Source: "rules"}, err
	}))
	if _, err := turn.Run(context.Background(), agent.Input{RequestID: "r1", UserID: "u1"}, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := tool(context.Background(), &tools.Call{}); err != nil {
		t.Fatal(err)
	}
	spans := rec.Ended()
	if len(spans) != 2 {
		t.Fatalf("%d spans, want the turn and its one tool", len(spans))
	}
	byName := map[string]sdktrace.ReadOnlySpan{}
	for _, s := range spans {
		byName[s.Name()] = s
	}
	root, child := byName["turn"], byName["tool get_weather"]
	if root == nil || child == nil || child.Parent().SpanID() != root.SpanContext().SpanID() {
		t.Fatalf("spans %v: the tool span is not the turn's child", spans)
	}
	if got := attrs(root); got["pam.source"] != "rules" || got["pam.degraded"] != "false" || got["pam.request_id"] != "r1" || got["pam.user_id"] != "u1" {
		t.Errorf("turn span attributes %v", got)
	}
	if got := attrs(child); got["pam.outcome"] != "ok" || got["pam.tool"] != "get_weather" {
		t.Errorf("tool span attributes %v", got)
	}
}

func attrs(s sdktrace.ReadOnlySpan) map[string]string {
	out := map[string]string{}
	for _, kv := range s.Attributes() {
		out[string(kv.Key)] = kv.Value.Emit()
	}
	return out
}

// TestToolOutcomes: the tool latency histogram is labelled with the status
// of a tool's *tools.Error (wrapped or not), failed for any other error, and
// otherwise the result's status, ok when it has none.
func TestToolOutcomes(t *testing.T) {
	m := NewMetrics()
	for _, tc := range []struct {
		res *tools.Result
		err error
	}{
		{&tools.Result{}, nil},
		{&tools.Result{Status: tools.StatusPartial}, nil},
		{nil, fmt.Errorf("wrapped: %w", tools.Fail(tools.StatusNoResults, "none"))},
		{nil, errors.New("boom")},
	} {
		h := m.toolHandler("t", func(context.Context, *tools.Call) (*tools.Result, error) { return tc.res, tc.err })
		_, _ = h(context.Background(), &tools.Call{})
	}
	ch := make(chan prometheus.Metric, 16)
	m.toolLatency.Collect(ch)
	close(ch)
	var got []string
	for metric := range ch {
		var pb dto.Metric
		if err := metric.Write(&pb); err != nil {
			t.Fatal(err)
		}
		for _, l := range pb.GetLabel() {
			if l.GetName() == "outcome" {
				got = append(got, l.GetValue())
			}
		}
	}
	slices.Sort(got)
	if want := []string{"failed", "no_results", "ok", "partial"}; !slices.Equal(got, want) {
		t.Errorf("outcomes %v, want %v", got, want)
	}
	if n := testing.AllocsPerRun(20, func() { _ = toolOutcome(&tools.Result{}, nil) }); n != 0 {
		t.Errorf("outcome of a call without error: %v allocations", n)
	}
}

// TestTurnWithoutTracingAllocations: with tracing off a turn's
// instrumentation costs only the placeholder span (and its context), not
// the span's attributes.
func TestTurnWithoutTracingAllocations(t *testing.T) {
	if raceEnabled || testing.CoverMode() != "" {
		t.Skip("allocation counts differ under the race detector and coverage")
	}
	// Once any test has installed a provider the global one delegates to
	// it for good; a no-op provider stands for "tracing off" in any order.
	prev := otel.GetTracerProvider()
	otel.SetTracerProvider(noop.NewTracerProvider())
	defer otel.SetTracerProvider(prev)
	m := NewMetrics()
	out := &agent.Output{Source: "rules"}
	turn := m.InstrumentAgent(agentFunc(func(context.Context) (*agent.Output, error) { return out, nil }))
	in := agent.Input{RequestID: "r1", UserID: "u1"}
	ctx := context.Background()
	if n := testing.AllocsPerRun(50, func() { _, _ = turn.Run(ctx, in, nil) }); n > 1 {
		t.Errorf("an instrumented turn: %v allocations, want at most 1", n)
	}
}

// The HTTP status label is the status in decimal, whatever the status, and
// an answered request costs its metrics no allocation.
func TestStatusLabel(t *testing.T) {
	for s := -3; s < 1200; s++ {
		if got, want := statusLabel(s), fmt.Sprint(s); got != want {
			t.Fatalf("statusLabel(%d) = %q, want %q", s, got, want)
		}
	}
	if raceEnabled || testing.CoverMode() != "" {
		return // allocation counts differ under the race detector and coverage
	}
	m := NewMetrics()
	m.ObserveHTTP("/v1/chat", "POST", 202, time.Millisecond) // the series exists from here on
	if n := testing.AllocsPerRun(50, func() { m.ObserveHTTP("/v1/chat", "POST", 202, time.Millisecond) }); n != 0 {
		t.Errorf("ObserveHTTP: %v allocations, want 0", n)
	}
}
