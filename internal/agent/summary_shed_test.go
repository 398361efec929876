package agent_test

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/store"
)

// sheddingHistory is a History whose model summaries run through a work
// queue that may shed them.
type sheddingHistory struct {
	*fakeHistory
	shed bool
	runs int
}

func (h *sheddingHistory) RunSummary(ctx context.Context, fn func(context.Context)) error {
	h.runs++
	if h.shed {
		return errors.New("skipped: the server is shedding non-critical work")
	}
	fn(ctx)
	return nil
}

func TestSummaryShedUnderLoadFallsBackToExtractive(t *testing.T) {
	tests := []struct {
		name         string
		shed         bool
		wantSummary  string
		wantModelSum bool
	}{
		{"queue runs the model summary", false, "SUMMARY from the model", true},
		{"queue sheds it: extractive summary", true, "Question number 3 about Moab.", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h := &sheddingHistory{fakeHistory: &fakeHistory{}, shed: tc.shed}
			for i := range 30 {
				h.msgs = append(h.msgs,
					store.Message{ID: fmt.Sprint("u", i), Role: store.MessageUser, Content: fmt.Sprintf("Question number %d about Moab. More words.", i)},
					store.Message{ID: fmt.Sprint("a", i), Role: store.MessageAssistant, Content: fmt.Sprintf("Answer number %d.", i)})
			}
			summarized := false
			m := &scripted{reply: func(_ int, req *llm.Request) *llm.Response {
				if strings.HasPrefix(req.System, "You summarize") {
					summarized = true
					return text("SUMMARY from the model")
				}
				return text("fine")
			}}
			var running, maxRunning int32
			a := agent.New(m, executor(t, &running, &maxRunning), h, nil, nil, agent.Config{HistoryExchanges: 20, KeepExchanges: 5})
			in := input()
			in.ConversationID = "c1"
			if _, err := a.Run(context.Background(), in, nil); err != nil {
				t.Fatal(err)
			}
			if h.runs != 1 || summarized != tc.wantModelSum {
				t.Fatalf("summary submitted %d times, model asked %v; want 1 and %v", h.runs, summarized, tc.wantModelSum)
			}
			first := m.reqs[len(m.reqs)-1].Messages[0].Text()
			if !strings.Contains(first, "<conversation_summary>") || !strings.Contains(first, tc.wantSummary) {
				t.Fatalf("turn began with %.200q, want a summary containing %q", first, tc.wantSummary)
			}
		})
	}
}
