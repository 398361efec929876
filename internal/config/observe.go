package config

import (
	"fmt"
	"strconv"

	"github.com/shopspring/decimal"
)

// ObserveConfig holds the observability settings (issue 8): alert delivery,
// tracing and the model budget the monitors compare spend with.
type ObserveConfig struct {
	AlertWebhookURL    string          // Slack-compatible incoming webhook; empty: alerts are logged only
	AlertInterval      float64         // seconds between in-process rule evaluations
	OTLPEndpoint       string          // OTLP/HTTP collector root, e.g. http://otel-collector:4318; empty: tracing off
	TraceSample        float64         // fraction of turns traced
	ModelBudgetDaily   decimal.Decimal // US dollars a day; zero: no budget
	ModelBudgetMonthly decimal.Decimal // US dollars a month; zero: no budget
}

var observeSettings = []setting{
	{"alert-webhook-url", "PAM_ALERT_WEBHOOK_URL", "", "Slack-compatible webhook for alerts (empty: log only)", str(func(c *Config) *string { return &c.Observe.AlertWebhookURL })},
	{"alert-interval", "PAM_ALERT_INTERVAL", "60", "seconds between alert rule evaluations", fraction(func(c *Config) *float64 { return &c.Observe.AlertInterval }, 1, 3600)},
	{"otlp-endpoint", "PAM_OTLP_ENDPOINT", "", "OTLP/HTTP trace collector, e.g. http://otel-collector:4318 (empty: tracing off)", str(func(c *Config) *string { return &c.Observe.OTLPEndpoint })},
	{"trace-sample", "PAM_TRACE_SAMPLE", "0.1", "fraction of turns traced when tracing is on", fraction(func(c *Config) *float64 { return &c.Observe.TraceSample }, 0, 1)},
	{"model-budget-daily", "PAM_MODEL_BUDGET_DAILY", "", "model spend budget a day in US dollars (alert at 80 %)", decimalSetting(func(c *Config) *decimal.Decimal { return &c.Observe.ModelBudgetDaily }, true)},
	{"model-budget-monthly", "PAM_MODEL_BUDGET_MONTHLY", "", "model spend budget a month in US dollars (alert at 80 %)", decimalSetting(func(c *Config) *decimal.Decimal { return &c.Observe.ModelBudgetMonthly }, true)},
}

func fraction(p func(*Config) *float64, lo, hi float64) func(*Config, string) error {
	return func(c *Config, v string) error {
		f, err := strconv.ParseFloat(v, 64)
		if err != nil || f < lo || f > hi {
			return fmt.Errorf("must be a number from %g to %g, got %q", lo, hi, v)
		}
		*p(c) = f
		return nil
	}
}

func init() { settings = append(settings, observeSettings...) }
