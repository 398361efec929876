package llm_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/anthropic"
	"github.com/pamtravel/pam/internal/llm/llmtest"
	"github.com/pamtravel/pam/internal/llm/openai"
)

// fastPolicy keeps tests quick.
func fastPolicy() llm.Policy {
	return llm.Policy{
		AttemptTimeout:  300 * time.Millisecond,
		TurnDeadline:    2 * time.Second,
		MaxRetries:      2,
		BaseBackoff:     5 * time.Millisecond,
		MaxRetryAfter:   time.Second,
		BreakerFailures: 3,
		BreakerOpen:     time.Minute,
	}
}

func claude(t *testing.T, f *llmtest.Fake) llm.Model {
	t.Helper()
	m, err := anthropic.New(anthropic.Config{APIKey: "test-key", Model: "claude-sonnet-4-5", BaseURL: f.BaseURL()})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func gpt(t *testing.T, f *llmtest.Fake) llm.Model {
	t.Helper()
	m, err := openai.New(openai.Config{APIKey: "sk-test", Model: "gpt-4.1-mini", BaseURL: f.BaseURL()})
	if err != nil {
		t.Fatal(err)
	}
	return m
}

// offline stands in for the rules brain: it always answers.
type offline struct{ calls int }

func (o *offline) Name() string { return "rules" }

func (o *offline) Generate(_ context.Context, _ *llm.Request, onDelta llm.DeltaFunc) (*llm.Response, error) {
	o.calls++
	if onDelta != nil {
		onDelta("Offline answer.")
	}
	return &llm.Response{Content: []llm.Block{{Type: llm.BlockText, Text: "Offline answer."}}, StopReason: llm.StopEnd}, nil
}

func userRequest(text string) *llm.Request {
	return &llm.Request{
		System:   "You are PAM.",
		UserID:   "user-1",
		Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockText, Text: text}}}},
	}
}

func testCtx(t *testing.T) context.Context {
	c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	t.Cleanup(cancel)
	return c
}

// recorder is an Observer that keeps what it saw.
type recorder struct {
	mu        sync.Mutex
	attempts  int
	retries   []time.Duration
	breaker   []string
	fallbacks []string
	costs     []decimal.Decimal
}

func (r *recorder) Attempt(string, int) { r.mu.Lock(); r.attempts++; r.mu.Unlock() }
func (r *recorder) Retry(_ string, _ int, wait time.Duration, _ error) {
	r.mu.Lock()
	r.retries = append(r.retries, wait)
	r.mu.Unlock()
}
func (r *recorder) Latency(string, time.Duration, error) {}
func (r *recorder) BreakerState(_, _, to string) {
	r.mu.Lock()
	r.breaker = append(r.breaker, to)
	r.mu.Unlock()
}
func (r *recorder) Fallback(from, to string, _ error) {
	r.mu.Lock()
	r.fallbacks = append(r.fallbacks, from+"->"+to)
	r.mu.Unlock()
}
func (r *recorder) Cost(_, _ string, c decimal.Decimal, _ llm.Usage) {
	r.mu.Lock()
	r.costs = append(r.costs, c)
	r.mu.Unlock()
}

func contextWithCancelAfter(t *testing.T, d time.Duration) (context.Context, context.CancelFunc) {
	ctx, cancel := context.WithCancel(testCtx(t))
	time.AfterFunc(d, cancel)
	return ctx, cancel
}

func newCompatible(f *llmtest.Fake) (llm.Model, error) {
	return openai.New(openai.Config{Provider: llm.ProviderOpenAICompatible, Model: "llama3", BaseURL: f.BaseURL()})
}
