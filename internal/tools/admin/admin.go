// Package admin owns PAM's administrator tools: listing accounts and deleting
// one (with confirmation). Only the admin role may call them, and every
// deletion is written to the audit trail as an admin action.
package admin

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"time"

	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/tools"
)

type service struct {
	s     store.Store
	audit tools.Auditor
}

// Register adds list_users and delete_user to r.
func Register(r *tools.Registry, s store.Store, a tools.Auditor, _ ...tools.RegisterOption) error {
	svc := &service{s: s, audit: a}
	admins := []string{store.RoleAdmin}
	err := tools.RegisterAll(r,
		tools.Tool{
			Name:        "list_users",
			Description: "List PAM accounts, 50 at a time (admins only).",
			Category:    tools.CategoryAdmin,
			Roles:       admins,
			Idempotent:  true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"cursor":{"type":"string"}},"additionalProperties":false}`),
			Handler: svc.listUsers,
		},
		tools.Tool{
			Name:        "delete_user",
			Description: "Delete an account and all its data (admins only). Asks for confirmation.",
			Category:    tools.CategoryAdmin,
			Roles:       admins,
			Writes:      true,
			Confirm:     true,
			Parameters: json.RawMessage(`{"type":"object","properties":{
				"user_id":{"type":"string","minLength":1}},
				"required":["user_id"],"additionalProperties":false}`),
			Prepare: svc.prepareDelete,
			Handler: svc.deleteUser,
		},
	)
	if err != nil {
		return fmt.Errorf("admin: %w", err)
	}
	return nil
}

// account is what an admin sees of a user: never the password hash.
type account struct {
	ID          string    `json:"id"`
	Email       string    `json:"email"`
	DisplayName string    `json:"display_name"`
	Role        string    `json:"role"`
	CreatedAt   time.Time `json:"created_at"`
}

func (svc *service) listUsers(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	var a struct {
		Cursor string `json:"cursor"`
	}
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	users, next, err := svc.s.ListUsers(ctx, store.Page{Limit: 50, Cursor: a.Cursor})
	if err != nil {
		if a.Cursor != "" {
			return nil, tools.Invalid("That page cursor is not valid; start again without one.")
		}
		return nil, fmt.Errorf("list users: %w", err)
	}
	out := make([]account, 0, len(users))
	for _, u := range users {
		out = append(out, account{ID: u.ID, Email: u.Email, DisplayName: u.DisplayName, Role: u.Role, CreatedAt: u.CreatedAt})
	}
	summary := fmt.Sprintf("Listed %s.", tools.Plural(len(out), "account", "accounts"))
	if next != "" {
		summary += " There are more; ask for the next page."
	}
	return &tools.Result{Data: map[string]any{"users": out, "next_cursor": next}, Summary: summary}, nil
}

type deleteArgs struct {
	UserID string `json:"user_id"`
}

func (svc *service) target(ctx context.Context, c *tools.Call) (*store.User, error) {
	var a deleteArgs
	if err := c.Bind(&a); err != nil {
		return nil, err
	}
	if a.UserID == c.UserID {
		return nil, tools.Invalid("You can't delete your own account with this tool.")
	}
	u, err := svc.s.UserByID(ctx, a.UserID)
	if store.IsNotFound(err) {
		return nil, tools.NotFound("account")
	} else if err != nil {
		return nil, fmt.Errorf("load user: %w", err)
	}
	return u, nil
}

func (svc *service) prepareDelete(ctx context.Context, c *tools.Call) (string, error) {
	u, err := svc.target(ctx, c)
	if err != nil {
		return "", err
	}
	return fmt.Sprintf("Delete the account %s (%s) and all of its data? This cannot be undone.", u.Email, u.Role), nil
}

func (svc *service) deleteUser(ctx context.Context, c *tools.Call) (*tools.Result, error) {
	u, err := svc.target(ctx, c)
	if err != nil {
		return nil, err
	}
	if err := svc.s.DeleteUser(ctx, u.ID); err != nil {
		if store.IsNotFound(err) {
			return nil, tools.NotFound("account")
		}
		return nil, fmt.Errorf("delete user: %w", err)
	}
	if svc.audit != nil {
		args, _ := json.Marshal(map[string]string{"target_user_id": u.ID, "target_email": u.Email})
		rec := store.AuditRecord{Time: c.Now, UserID: c.UserID, RequestID: c.RequestID, Kind: "admin", Action: "delete_user",
			Args: args, Outcome: "ok", ClientAddr: c.ClientAddr, UserAgent: c.UserAgent}
		if err := svc.audit.Record(context.WithoutCancel(ctx), rec); err != nil {
			// The action is done; the executor's own tool record still notes it.
			slog.ErrorContext(ctx, "admin audit failed", "action", "delete_user", "err", err)
		}
	}
	return &tools.Result{Data: map[string]any{"deleted_id": u.ID}, Summary: fmt.Sprintf("Deleted the account %s and all of its data.", u.Email)}, nil
}
