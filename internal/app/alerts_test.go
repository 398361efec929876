package app_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/protocol"
)

// Someone guessing a traveller's password, and a burst of spending, reach
// the operator as alerts in the admin view.
func TestAuditPatternsRaiseOperatorAlerts(t *testing.T) {
	s := apptest.Start(t, nil)
	u := s.Register(t)
	admin := adminToken(t, s) // before the failures block this address
	for range 10 {
		r := s.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": u.Email, "password": "wrong guess number one"})
		if r.Status == http.StatusOK {
			t.Fatal("a wrong password signed in")
		}
	}
	if out, r := chat(t, s, u.AccessToken, protocol.ChatRequest{Message: "I spent $999 on a generator at Camping World"}); r.Status != http.StatusOK {
		t.Fatalf("chat: %d %s", r.Status, r.Body)
	} else {
		assertToolOK(t, out, "create_expense")
	}
	mustChat(t, s, u.AccessToken, "I spent $450 on tires at Discount Tire")

	view := s.Do(t, "GET", "/api/v1/observability/metrics", admin, nil)
	var v struct {
		Alerts struct {
			Recent []struct{ Name, Summary string } `json:"recent_events"`
		} `json:"alerts"`
	}
	view.JSON(t, &v)
	names := map[string]string{}
	for _, a := range v.Alerts.Recent {
		names[a.Name] = a.Summary
	}
	if s := names["audit_failed_logins"]; !strings.Contains(s, "10 failed or refused sign-ins") {
		t.Errorf("no failed-login alert in %+v", v.Alerts.Recent)
	}
	if s := names["audit_spending_spike"]; !strings.Contains(s, u.UserID) {
		t.Errorf("no spending alert in %+v", v.Alerts.Recent)
	}
}
