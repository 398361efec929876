package app_test

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/app"
	"github.com/pamtravel/pam/internal/apptest"
)

func runPAM(t *testing.T, env map[string]string, args ...string) (string, error) {
	t.Helper()
	var out, errOut bytes.Buffer
	err := app.Run(context.Background(), args, func(k string) string { return env[k] }, nil, strings.NewReader(""), &out, &errOut)
	return out.String(), err
}

func TestOperatorCommands(t *testing.T) {
	env := map[string]string{"PAM_DATA_DIR": t.TempDir(), "PAM_LOG_LEVEL": "error"}
	if out, err := runPAM(t, env, "version"); err != nil || !strings.HasPrefix(out, "pam ") {
		t.Fatalf("version: %q %v", out, err)
	}
	if out, err := runPAM(t, env, "migrate"); err != nil || !strings.Contains(out, "migrations applied") {
		t.Fatalf("migrate: %q %v", out, err)
	}
	out, err := runPAM(t, env, "user", "create", "--email", "boss@example.com", "--password", "correct horse battery", "--role", "admin")
	if err != nil || !strings.Contains(out, "created admin user boss@example.com") {
		t.Fatalf("user create: %q %v", out, err)
	}
	if _, err := runPAM(t, env, "user", "create", "--email", "boss@example.com", "--password", "correct horse battery"); err == nil {
		t.Fatal("a taken email was accepted")
	}
	// The admin can log in to the server that shares the data dir, and sees the admin routes.
	s := apptest.Start(t, map[string]string{"PAM_DATA_DIR": env["PAM_DATA_DIR"]})
	var login struct {
		AccessToken string                `json:"access_token"`
		User        struct{ Role string } `json:"user"`
	}
	s.Do(t, "POST", "/api/v1/auth/login", "", map[string]string{"email": "boss@example.com", "password": "correct horse battery"}).JSON(t, &login)
	if login.User.Role != "admin" {
		t.Fatalf("role = %q", login.User.Role)
	}
	if r := s.Do(t, "GET", "/api/v1/admin/audit", login.AccessToken, nil); r.Status != 200 {
		t.Fatalf("admin audit: %d %s", r.Status, r.Body)
	}
	// Admin actions are themselves audited.
	var audit struct {
		Items []struct{ Kind, Action, UserID string } `json:"items"`
	}
	s.Do(t, "GET", "/api/v1/admin/audit", login.AccessToken, nil).JSON(t, &audit)
	if len(audit.Items) == 0 || audit.Items[0].Kind != "admin" || audit.Items[0].Action != "GET /api/v1/admin/audit" {
		t.Fatalf("admin action not audited: %+v", audit.Items)
	}
	u := s.Register(t)
	if r := s.Do(t, "GET", "/api/v1/admin/audit", u.AccessToken, nil); r.Status != 403 || r.ErrorCode() != "FORBIDDEN" {
		t.Fatalf("user on admin route: %d %s", r.Status, r.Body)
	}
	s.Stop()
	if out, err := runPAM(t, env, "audit", "verify"); err != nil || !strings.Contains(out, "audit log intact") {
		t.Fatalf("audit verify: %q %v", out, err)
	}
}

func TestBadConfigurationIsOneLine(t *testing.T) {
	_, err := runPAM(t, map[string]string{"PAM_ADDR": "not-an-address"}, "serve")
	if err == nil || !strings.Contains(err.Error(), "PAM_ADDR") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("err = %v", err)
	}
	if _, err := runPAM(t, nil, "fly-to-the-moon"); err == nil {
		t.Fatal("unknown command accepted")
	}
}
