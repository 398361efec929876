package observe

import (
	"context"
	"testing"

	"go.opentelemetry.io/otel"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

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
	if _, err := turn.Run(context.Background(), agent.Input{}, nil); err != nil {
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
}
