package providers_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/llmtest"
	"github.com/pamtravel/pam/internal/llm/providers"
)

type rulesBrain struct{}

func (rulesBrain) Name() string { return "rules" }
func (rulesBrain) Generate(context.Context, *llm.Request, llm.DeltaFunc) (*llm.Response, error) {
	return &llm.Response{Content: []llm.Block{{Type: llm.BlockText, Text: "offline"}}, StopReason: llm.StopEnd}, nil
}

func TestBuildFallsThroughEveryProvider(t *testing.T) {
	af, of := llmtest.NewAnthropic(t), llmtest.NewOpenAI(t)
	af.Always(llmtest.Status(500))
	of.Always(llmtest.Text("from gpt"))
	m, err := providers.Build("anthropic:claude-sonnet-4-5,openai:gpt-4.1-mini,rules", providers.Config{
		AnthropicAPIKey: "k", AnthropicBaseURL: af.BaseURL(),
		OpenAIAPIKey: "k", OpenAIBaseURL: of.BaseURL(),
		Policy: llm.Policy{MaxRetries: -1, BaseBackoff: time.Millisecond},
	}, rulesBrain{})
	if err != nil {
		t.Fatal(err)
	}
	if m.Name() != "anthropic:claude-sonnet-4-5" {
		t.Errorf("name = %q", m.Name())
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	resp, err := m.Generate(ctx, &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockText, Text: "hi"}}}}}, nil)
	if err != nil || resp.Text() != "from gpt" || !resp.Degraded || resp.Model != "openai:gpt-4.1-mini" {
		t.Fatalf("resp %+v err %v", resp, err)
	}
}

func TestBuildErrors(t *testing.T) {
	tests := []struct {
		spec    string
		cfg     providers.Config
		rules   llm.Model
		wantErr string
	}{
		{"opneai:gpt-4.1", providers.Config{}, rulesBrain{}, `unknown provider "opneai"`},
		{"anthropic:claude-sonnet-4-5", providers.Config{}, rulesBrain{}, "anthropic: API key is required"},
		{"openai-compatible:llama3", providers.Config{}, rulesBrain{}, "base URL is required"},
		{"rules", providers.Config{}, nil, "no rules brain"},
	}
	for _, tt := range tests {
		_, err := providers.Build(tt.spec, tt.cfg, tt.rules)
		if err == nil || !strings.Contains(err.Error(), tt.wantErr) || !strings.Contains(err.Error(), "PAM_MODEL") {
			t.Errorf("%s: err = %v, want %q", tt.spec, err, tt.wantErr)
		}
	}
}
