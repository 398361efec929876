package app

import (
	"context"
	"encoding/json"
	"io"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/config"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

// Deleting a user ends their sessions at once: their access token stops working.
func TestDeleteUserRevokesTheirTokens(t *testing.T) {
	env := map[string]string{"PAM_DATA_DIR": t.TempDir(), "PAM_OFFLINE": "true", "PAM_LOG_LEVEL": "error"}
	cfg, _, err := config.Load(nil, func(k string) string { return env[k] }, nil, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	c, err := build(ctx, cfg, Env{Stderr: io.Discard})
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	adminUser, err := c.auth.CreateUser(ctx, "admin@example.com", "correct horse battery", "", store.RoleAdmin)
	if err != nil {
		t.Fatal(err)
	}
	victim, err := c.auth.Register(ctx, "leaving@example.com", "correct horse battery", "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.auth.Verify(ctx, victim.AccessToken); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	args, _ := json.Marshal(map[string]string{"user_id": victim.User.ID})
	res := c.executor.Execute(ctx, tools.Call{Tool: "delete_user", Args: args, UserID: adminUser.ID, Role: store.RoleAdmin, Settings: store.DefaultSettings(), Now: time.Now()})
	if res.Status != tools.StatusNeedsConfirmation {
		t.Fatalf("delete_user without confirmation: %+v", res)
	}
	pending := c.executor.PendingFor(context.Background(), adminUser.ID)
	if res := c.executor.Confirm(ctx, adminUser.ID, pending[0].ID); res.Status != tools.StatusOK {
		t.Fatalf("confirmed delete: %+v", res)
	}
	if _, err := c.auth.Verify(ctx, victim.AccessToken); err == nil {
		t.Fatal("a deleted user's access token still works")
	}
}
