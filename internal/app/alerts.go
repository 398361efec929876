package app

import (
	"context"
	"fmt"

	"github.com/pamtravel/pam/internal/audit"
	"github.com/pamtravel/pam/internal/observe"
	"github.com/pamtravel/pam/internal/tools"
)

// The audit trail and the money ledger see patterns an operator must hear
// about; these hooks hand them to the instance's alerts (the admin view,
// the alerts metric and the webhook), named by kind so one burst is one alert.

// auditAlerts raises many failed or refused sign-ins for one account or address, and a
// user's spending spike, as operator alerts.
func (c *components) auditAlerts() *audit.Alerter {
	return audit.NewAlerter(audit.AlertConfig{}, func(ctx context.Context, a audit.Alert) {
		al := observe.Alert{Name: "audit_" + a.Kind, Severity: "warning"}
		switch a.Kind {
		case audit.AlertFailedLogins:
			al.Summary = fmt.Sprintf("%d failed or refused sign-ins for %s within %s", a.Count, a.Key, a.Window)
			al.Value = float64(a.Count)
		default:
			al.Summary = fmt.Sprintf("user %s spent %s within %s", a.Key, a.Amount.StringFixed(2), a.Window)
			al.Value = a.Amount.InexactFloat64()
		}
		c.raise(ctx, al)
	})
}

// moneyAlerts raises the ledger's integrity alerts (a negative balance,
// totals that disagree) as critical operator alerts.
func (c *components) moneyAlerts() tools.Alerter {
	return tools.AlerterFunc(func(ctx context.Context, a tools.Alert) {
		c.log.ErrorContext(ctx, "money integrity alert", "kind", a.Kind, "user_id", a.UserID, "message", a.Message, "details", a.Details)
		c.raise(ctx, observe.Alert{Name: a.Kind, Severity: "critical", Summary: a.Message + " (user " + a.UserID + ")"})
	})
}

func (c *components) raise(ctx context.Context, al observe.Alert) {
	if c.obs != nil && c.obs.alerts != nil {
		c.obs.alerts.Raise(ctx, al)
	}
}
