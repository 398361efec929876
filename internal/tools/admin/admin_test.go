package admin_test

import (
	"context"
	"strings"
	"testing"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
	"github.com/pamtravel/pam/internal/tools/admin"
	"github.com/pamtravel/pam/internal/tools/budget"
	"github.com/pamtravel/pam/internal/tools/toolstest"
)

func TestAdminTools(t *testing.T) {
	h := toolstest.New(t, admin.Register, budget.Register)
	u := h.User(t, "ann@example.com", store.Settings{})
	victim := h.User(t, "bob@example.com", store.Settings{})
	adm := h.Admin(t, "root@example.com")
	toolstest.MustOK(t, h.Call(t, victim, "create_expense", `{"amount":"5","category":"food"}`))

	for _, tool := range []string{"list_users", "delete_user"} {
		if r := h.Call(t, u, tool, `{"user_id":"`+victim.ID+`"}`); r.Status != tools.StatusUnauthorized {
			t.Errorf("user called %s: %s", tool, r.Status)
		}
	}
	list := toolstest.MustOK(t, h.Call(t, adm, "list_users", `{}`))
	d := toolstest.Data(t, list)
	if n := len(d["users"].([]any)); n != 3 {
		t.Errorf("listed %d users", n)
	}
	if r := h.Call(t, adm, "delete_user", `{"user_id":"`+adm.ID+`"}`); r.Status != tools.StatusInvalidArguments {
		t.Errorf("admin deleted self: %s", r.Status)
	}
	ask := h.Ask(t, adm, "delete_user", `{"user_id":"`+victim.ID+`"}`)
	if ask.Status != tools.StatusNeedsConfirmation || !strings.Contains(ask.Summary, "bob@example.com") {
		t.Fatalf("ask %s %q", ask.Status, ask.Summary)
	}
	id := ask.Data.(map[string]any)["action_id"].(string)
	if r := h.Exec.Confirm(context.Background(), u.ID, id); r.Status == tools.StatusOK {
		t.Fatal("another user confirmed the admin's action")
	}
	toolstest.MustOK(t, h.Exec.Confirm(context.Background(), adm.ID, id))
	if _, err := h.S.UserByID(context.Background(), victim.ID); !store.IsNotFound(err) {
		t.Errorf("victim still exists: %v", err)
	}
	if a := h.Audit.Kind("admin"); len(a) != 1 || a[0].Action != "delete_user" || !strings.Contains(string(a[0].Args), victim.ID) {
		t.Errorf("admin audit %+v", a)
	}
}
