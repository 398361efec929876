package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"strings"

	"github.com/shopspring/decimal"

	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/providers"
	"github.com/pamtravel/pam/internal/llm/rules"
	"github.com/pamtravel/pam/internal/observe"
	"github.com/pamtravel/pam/internal/redisx"
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

// spendOption installs the daily model-spend ceilings, counted in spend;
// past one, paid links are skipped and the rules brain answers. An alert
// goes to the log and the operator's alerts at 80 %.
func (c *components) spendOption(spend llm.Spend) llm.Option {
	user, _ := decimal.NewFromString(orZero(c.cfg.ModelUserDaily))
	global, _ := decimal.NewFromString(orZero(c.cfg.ModelDaily))
	if user.IsZero() && global.IsZero() {
		return nil
	}
	return llm.WithSpend(spend, llm.SpendLimits{UserDaily: user, GlobalDaily: global,
		OnAlert: func(a llm.SpendAlert) {
			c.log.Warn("model spend alert", "scope", a.Scope, "user_id", a.UserID, "spent", a.Spent.StringFixed(4), "ceiling", a.Ceiling.StringFixed(2))
			c.raise(context.Background(), observe.Alert{Name: "model_spend_" + a.Scope, Severity: "warning",
				Summary: fmt.Sprintf("model spend %s of the %s daily ceiling %s", a.Spent.StringFixed(4), a.Scope, a.Ceiling.StringFixed(2)),
				Value:   a.Spent.InexactFloat64(), Threshold: a.Ceiling.InexactFloat64()})
		}})
}

// modelSpend is where model spending is counted: in Redis when there is
// one, so the ceilings hold for every instance together.
func (c *components) modelSpend() llm.Spend {
	if c.scale != nil && c.scale.redis != nil {
		return redisx.NewSpend(c.scale.redis, nil)
	}
	return llm.NewMemorySpend()
}

func orZero(s string) string {
	if s == "" {
		return "0"
	}
	return s
}
