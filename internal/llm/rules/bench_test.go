package rules

import (
	"context"
	"testing"
)

// BenchmarkUtteranceToToolCall measures one message → tool call through Generate.
func BenchmarkUtteranceToToolCall(b *testing.B) {
	m := New(Options{})
	ctx := context.Background()
	for _, in := range []string{
		"I spent $45.20 on diesel at Shell today",
		"I filled up 62.3 litres at 1.89 a litre, odometer 48210",
		"remind me to dump tanks Friday at 10am",
		"what's the weather in Moab tomorrow",
	} {
		req := userRequest(in, testUser())
		b.Run(in[:min(len(in), 24)], func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				resp, err := m.Generate(ctx, req, nil)
				if err != nil || len(resp.Content) != 1 || resp.Content[0].Type != "tool_use" {
					b.Fatalf("%v %+v", err, resp)
				}
			}
		})
	}
}
