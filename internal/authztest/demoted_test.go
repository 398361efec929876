package authztest

import (
	"context"
	"net/http"
	"testing"

	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

// TestAdminRoleIsCheckedNow: an access token carries the role it was issued
// with for up to its lifetime (15 min). An admin who is demoted, or deleted
// with the delete_user tool, must lose the admin routes at once, not when
// the token expires.
func TestAdminRoleIsCheckedNow(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	newAdmin := func(email string) (*store.User, string) {
		t.Helper()
		hash, err := auth.HashPassword(adminPassword)
		if err != nil {
			t.Fatal(err)
		}
		u := &store.User{Email: email, DisplayName: "Second Admin", Role: store.RoleAdmin, PasswordHash: hash, Settings: store.DefaultSettings()}
		if err := w.store.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		tok := w.login(t, email, adminPassword).AccessToken
		if r := w.srv.Do(t, "GET", "/api/v1/admin/audit", tok, nil); r.Status != http.StatusOK {
			t.Fatalf("control: fresh admin refused: %d %s", r.Status, r.Body)
		}
		return u, tok
	}

	t.Run("demoted", func(t *testing.T) {
		u, tok := newAdmin("demoted@example.com")
		u.Role = store.RoleUser
		if err := w.store.UpdateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		for _, c := range routeTable {
			if c.access != admin {
				continue
			}
			method, path := w.concretePath(c)
			if r := w.srv.Do(t, method, path, tok, map[string]string{"user_id": w.a.UserID}); r.Status != http.StatusForbidden && r.Status != http.StatusUnauthorized {
				t.Errorf("%s with a demoted admin's token: %d %.300s", c.pattern, r.Status, r.Body)
			}
		}
	})

	t.Run("deleted with delete_user", func(t *testing.T) {
		u, tok := newAdmin("deleted@example.com")
		res := mustStatus(t, w.call(t, w.admin.UserID, store.RoleAdmin, "delete_user", `{"user_id":"`+u.ID+`"}`), tools.StatusNeedsConfirmation)
		id, _ := res.Data.(map[string]any)["action_id"].(string)
		mustStatus(t, w.exec.Confirm(ctx, w.admin.UserID, id), tools.StatusOK)
		for _, p := range []string{"/api/v1/admin/audit", "/api/v1/admin/feedback", "/api/v1/admin/usage"} {
			if r := w.srv.Do(t, "GET", p, tok, nil); r.Status != http.StatusForbidden && r.Status != http.StatusUnauthorized {
				t.Errorf("%s with a deleted admin's token: %d %.300s", p, r.Status, r.Body)
			}
		}
	})
}
