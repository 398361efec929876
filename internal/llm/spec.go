package llm

import (
	"fmt"
	"strings"
)

// Providers a chain link may name.
const (
	ProviderAnthropic        = "anthropic"
	ProviderOpenAI           = "openai"
	ProviderOpenAICompatible = "openai-compatible"
	ProviderRules            = "rules"
)

// LinkSpec is one link of a model chain: a provider and its model id
// (empty for rules).
type LinkSpec struct {
	Provider string
	Model    string
}

// String returns the spec as written in PAM_MODEL ("openai:gpt-4.1-mini", "rules").
func (s LinkSpec) String() string {
	if s.Model == "" {
		return s.Provider
	}
	return s.Provider + ":" + s.Model
}

// ParseChain parses a PAM_MODEL value: comma-separated links, each
// "anthropic:MODEL", "openai:MODEL", "openai-compatible:MODEL" or "rules";
// rules, which always answers, may only come last. Errors name the bad part.
func ParseChain(spec string) ([]LinkSpec, error) {
	if strings.TrimSpace(spec) == "" {
		return nil, fmt.Errorf("model chain is empty (want e.g. %q)", "anthropic:claude-sonnet-4-5,rules")
	}
	parts := strings.Split(spec, ",")
	links := make([]LinkSpec, 0, len(parts))
	seen := map[LinkSpec]bool{}
	for i, raw := range parts {
		part := strings.TrimSpace(raw)
		bad := func(format string, args ...any) error {
			return fmt.Errorf("model chain part %d %q: %s", i+1, part, fmt.Sprintf(format, args...))
		}
		if part == "" {
			return nil, bad("empty link")
		}
		provider, model, hasModel := strings.Cut(part, ":")
		provider, model = strings.TrimSpace(provider), strings.TrimSpace(model)
		switch provider {
		case ProviderRules:
			if hasModel {
				return nil, bad("rules takes no model")
			}
			if i != len(parts)-1 {
				return nil, bad("rules always answers, so it must be the last link")
			}
		case ProviderAnthropic, ProviderOpenAI, ProviderOpenAICompatible:
			if model == "" {
				return nil, bad("missing model (want %s:MODEL)", provider)
			}
			if strings.ContainsAny(model, " \t") {
				return nil, bad("model %q contains a space", model)
			}
		default:
			return nil, bad("unknown provider %q (want anthropic, openai, openai-compatible or rules)", provider)
		}
		l := LinkSpec{Provider: provider, Model: model}
		if seen[l] {
			return nil, bad("duplicate link")
		}
		seen[l] = true
		links = append(links, l)
	}
	return links, nil
}
