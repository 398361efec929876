package app

import (
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/providers"
	"github.com/pamtravel/pam/internal/llm/rules"
)

// buildModel builds the model chain of PAM_MODEL, each provider wrapped in the
// one resilience policy; the rules brain always ends the chain.
func buildModel(cfg *config.Config, log *slog.Logger, client *http.Client, opts ...llm.Option) (llm.Model, error) {
	brain := rules.New(rules.Options{})
	if strings.TrimSpace(cfg.Model) == llm.ProviderRules {
		return brain, nil
	}
	policy := llm.DefaultPolicy()
	policy.AttemptTimeout = cfg.AttemptTimeout
	policy.TurnDeadline = cfg.TurnDeadline
	if spend := spendOption(cfg, log); spend != nil {
		opts = append(opts, spend)
	}
	m, err := providers.Build(cfg.Model, providers.Config{
		AnthropicAPIKey: cfg.AnthropicAPIKey, AnthropicBaseURL: cfg.AnthropicBaseURL,
		OpenAIAPIKey: cfg.OpenAIAPIKey, OpenAIBaseURL: cfg.OpenAIBaseURL, Policy: policy,
		HTTPClient: client,
	}, brain, append([]llm.Option{llm.WithLogger(log)}, opts...)...)
	if err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return m, nil
}

// spendOption installs the daily model-spend ceilings; past one, paid links
// are skipped and the rules brain answers. An alert is logged at 80 %.
func spendOption(cfg *config.Config, log *slog.Logger) llm.Option {
	user, _ := decimal.NewFromString(orZero(cfg.ModelUserDaily))
	global, _ := decimal.NewFromString(orZero(cfg.ModelDaily))
	if user.IsZero() && global.IsZero() {
		return nil
	}
	return llm.WithSpend(llm.NewMemorySpend(), llm.SpendLimits{UserDaily: user, GlobalDaily: global,
		OnAlert: func(a llm.SpendAlert) {
			log.Warn("model spend alert", "scope", a.Scope, "user_id", a.UserID, "spent", a.Spent.StringFixed(4), "ceiling", a.Ceiling.StringFixed(2))
		}})
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
