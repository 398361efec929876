package llmtest

import (
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/llm"
)

// CheckAnswer fails t unless resp carries text (which, when streamed,
// arrived as several deltas joining to it), exactly calls in order, and
// stop as its stop reason: what a provider client must make of a fake's Step.
func CheckAnswer(t testing.TB, resp *llm.Response, deltas []string, streamed bool, text string, calls []Call, stop string) {
	t.Helper()
	if resp.Text() != text {
		t.Errorf("text = %q, want %q", resp.Text(), text)
	}
	if streamed && text != "" && (len(deltas) < 2 || strings.Join(deltas, "") != text) {
		t.Errorf("deltas = %q, want fragments of %q", deltas, text)
	}
	got := resp.ToolCalls()
	if len(got) != len(calls) {
		t.Fatalf("calls = %+v, want %+v", got, calls)
	}
	for i, c := range got {
		if w := calls[i]; c.ToolUseID != w.ID || c.ToolName != w.Name || string(c.Input) != w.Input {
			t.Errorf("call %d = %s %s %s, want %+v", i, c.ToolUseID, c.ToolName, c.Input, w)
		}
	}
	if resp.StopReason != stop {
		t.Errorf("stop = %q, want %q", resp.StopReason, stop)
	}
}
