package app

import (
	"fmt"
	"log/slog"
	"strings"

	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/providers"
	"github.com/pamtravel/pam/internal/llm/rules"
)

// buildModel builds the model chain of PAM_MODEL, each provider wrapped in the
// one resilience policy; the rules brain always ends the chain.
func buildModel(cfg *config.Config, log *slog.Logger, opts ...llm.Option) (llm.Model, error) {
	brain := rules.New(rules.Options{})
	if strings.TrimSpace(cfg.Model) == llm.ProviderRules {
		return brain, nil
	}
	policy := llm.DefaultPolicy()
	policy.AttemptTimeout = cfg.AttemptTimeout
	policy.TurnDeadline = cfg.TurnDeadline
	m, err := providers.Build(cfg.Model, providers.Config{
		AnthropicAPIKey: cfg.AnthropicAPIKey, AnthropicBaseURL: cfg.AnthropicBaseURL,
		OpenAIAPIKey: cfg.OpenAIAPIKey, OpenAIBaseURL: cfg.OpenAIBaseURL, Policy: policy,
	}, brain, append([]llm.Option{llm.WithLogger(log)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return m, nil
}
