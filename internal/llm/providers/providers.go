// Package providers builds the model chain PAM_MODEL describes: it parses
// the spec, constructs each provider (anthropic, openai, openai-compatible),
// wraps each in the one resilience policy and appends the rules brain the
// caller supplies. It is the only package that knows every provider.
package providers

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/anthropic"
	"github.com/pamtravel/pam/internal/llm/openai"
)

// Config holds what the providers need from PAM's configuration.
type Config struct {
	AnthropicAPIKey  string
	AnthropicBaseURL string // PAM_ANTHROPIC_BASE_URL: a host root
	OpenAIAPIKey     string
	OpenAIBaseURL    string // PAM_OPENAI_BASE_URL: ending in /v1
	MaxTokens        int
	HTTPClient       *http.Client
	Policy           llm.Policy // zero fields take llm.DefaultPolicy's values
}

// Build returns the chain for spec (PAM_MODEL). rules answers the "rules"
// link; when the spec has no rules link, rules (if not nil) is appended so
// PAM always degrades instead of failing. opts go to every Resilient wrapper
// and to the chain (observer, logger, prices, spend).
func Build(spec string, cfg Config, rules llm.Model, opts ...llm.Option) (llm.Model, error) {
	links, err := llm.ParseChain(spec)
	if err != nil {
		return nil, fmt.Errorf("PAM_MODEL: %w", err)
	}
	var models []llm.Model
	for _, l := range links {
		if l.Provider == llm.ProviderRules {
			continue
		}
		m, err := newProvider(l, cfg)
		if err != nil {
			return nil, fmt.Errorf("PAM_MODEL link %s: %w", l, err)
		}
		models = append(models, llm.Resilient(m, cfg.Policy, opts...))
	}
	if rules != nil {
		models = append(models, rules)
	}
	if len(models) == 0 {
		return nil, errors.New("PAM_MODEL: the chain has only rules but no rules brain was given")
	}
	chainOpts := append([]llm.Option{llm.WithTurnDeadline(cfg.Policy.WithDefaults().TurnDeadline)}, opts...)
	return llm.NewChain(models, chainOpts...), nil
}

func newProvider(l llm.LinkSpec, cfg Config) (llm.Model, error) {
	switch l.Provider {
	case llm.ProviderAnthropic:
		return anthropic.New(anthropic.Config{APIKey: cfg.AnthropicAPIKey, Model: l.Model, BaseURL: cfg.AnthropicBaseURL, MaxTokens: cfg.MaxTokens, HTTPClient: cfg.HTTPClient})
	case llm.ProviderOpenAI, llm.ProviderOpenAICompatible:
		return openai.New(openai.Config{Provider: l.Provider, APIKey: cfg.OpenAIAPIKey, Model: l.Model, BaseURL: cfg.OpenAIBaseURL, MaxTokens: cfg.MaxTokens, HTTPClient: cfg.HTTPClient})
	}
	return nil, fmt.Errorf("unknown provider %q", l.Provider)
}
