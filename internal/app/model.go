package app

import (
	"fmt"
	"log/slog"

	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/anthropic"
	"github.com/pamtravel/pam/internal/llm/openai"
	"github.com/pamtravel/pam/internal/llm/rules"
)

// buildModel builds the model chain of PAM_MODEL, each provider wrapped in the
// one resilience policy; the rules brain always ends the chain.
func buildModel(cfg *config.Config, log *slog.Logger) (llm.Model, error) {
	specs, err := llm.ParseChain(cfg.Model)
	if err != nil {
		return nil, fmt.Errorf("config: PAM_MODEL: %w", err)
	}
	policy := llm.DefaultPolicy()
	policy.AttemptTimeout = cfg.AttemptTimeout
	policy.TurnDeadline = cfg.TurnDeadline
	var links []llm.Model
	for _, s := range specs {
		m, err := buildLink(cfg, s)
		if err != nil {
			return nil, fmt.Errorf("config: PAM_MODEL: %s: %w", s, err)
		}
		if s.Provider != llm.ProviderRules {
			m = llm.Resilient(m, policy, llm.WithLogger(log))
		}
		links = append(links, m)
	}
	if specs[len(specs)-1].Provider != llm.ProviderRules {
		links = append(links, rules.New(rules.Options{}))
	}
	if len(links) == 1 {
		return links[0], nil
	}
	return llm.NewChain(links, llm.WithLogger(log)), nil
}

func buildLink(cfg *config.Config, s llm.LinkSpec) (llm.Model, error) {
	switch s.Provider {
	case llm.ProviderRules:
		return rules.New(rules.Options{}), nil
	case llm.ProviderAnthropic:
		if cfg.AnthropicAPIKey == "" {
			return nil, fmt.Errorf("ANTHROPIC_API_KEY is not set")
		}
		return anthropic.New(anthropic.Config{APIKey: cfg.AnthropicAPIKey, Model: s.Model, BaseURL: cfg.AnthropicBaseURL})
	case llm.ProviderOpenAI, llm.ProviderOpenAICompatible:
		if s.Provider == llm.ProviderOpenAI && cfg.OpenAIAPIKey == "" {
			return nil, fmt.Errorf("OPENAI_API_KEY is not set")
		}
		return openai.New(openai.Config{APIKey: cfg.OpenAIAPIKey, Model: s.Model, BaseURL: cfg.OpenAIBaseURL, Provider: s.Provider})
	}
	return nil, fmt.Errorf("unknown provider %q", s.Provider)
}
