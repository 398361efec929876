package storetest

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

func testUsers(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	if u.ID == "" || u.CreatedAt.IsZero() || u.Role != store.RoleUser || u.Settings != store.DefaultSettings() {
		t.Fatalf("CreateUser did not fill defaults: %+v", u)
	}
	dup := &store.User{Email: strings.ToUpper(u.Email)}
	if err := s.CreateUser(ctx, dup); !errors.Is(err, store.ErrConflict) {
		t.Fatalf("CreateUser with taken email (other case): err = %v, want ErrConflict", err)
	}
	got, err := s.UserByEmail(ctx, strings.ToLower(u.Email))
	must(t, err)
	if got.ID != u.ID || got.Email != u.Email || got.PasswordHash != "hash" {
		t.Errorf("UserByEmail = %+v, want %+v", got, u)
	}
	_, err = s.UserByEmail(ctx, "nobody@example.com")
	wantNotFound(t, "UserByEmail(unknown)", err)
	_, err = s.UserByID(ctx, "no-such-id")
	wantNotFound(t, "UserByID(unknown)", err)

	u.DisplayName, u.Role, u.PasswordHash = "Ann", store.RoleAdmin, "hash2"
	u.Settings = store.Settings{Units: "metric", Currency: "EUR", TimeZone: "Europe/Berlin", Language: "de"}
	must(t, s.UpdateUser(ctx, u))
	got, err = s.UserByID(ctx, u.ID)
	must(t, err)
	if got.DisplayName != "Ann" || got.Role != store.RoleAdmin || got.PasswordHash != "hash2" || got.Settings != u.Settings {
		t.Errorf("after UpdateUser got %+v", got)
	}
	if !got.CreatedAt.Equal(u.CreatedAt) {
		t.Errorf("CreatedAt changed: %v != %v", got.CreatedAt, u.CreatedAt)
	}
	wantNotFound(t, "UpdateUser(unknown)", s.UpdateUser(ctx, &store.User{ID: "nope", Role: "user"}))

	// Paging: three more users, newest first, two per page.
	var ids []string
	for range 3 {
		ids = append(ids, newUser(t, s).ID)
	}
	page, next, err := s.ListUsers(ctx, store.Page{Limit: 2})
	must(t, err)
	if len(page) != 2 || next == "" || page[0].ID != ids[2] || page[1].ID != ids[1] {
		t.Fatalf("ListUsers page 1 = %v next %q, want newest two", userIDs(page), next)
	}
	page, _, err = s.ListUsers(ctx, store.Page{Limit: 2, Cursor: next})
	must(t, err)
	if len(page) == 0 || page[0].ID != ids[0] {
		t.Fatalf("ListUsers page 2 = %v, want to start with %s", userIDs(page), ids[0])
	}
	if _, _, err := s.ListUsers(ctx, store.Page{Cursor: "%%%not-base64"}); err == nil {
		t.Error("ListUsers with a malformed cursor: want an error")
	}
}

func userIDs(us []store.User) []string {
	var out []string
	for _, u := range us {
		out = append(out, u.ID)
	}
	return out
}

func testDeleteUserCascades(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u, other := newUser(t, s), newUser(t, s)
	c := &store.Conversation{UserID: u.ID, Title: "t"}
	must(t, s.CreateConversation(ctx, c))
	must(t, s.AppendMessage(ctx, &store.Message{ConversationID: c.ID, UserID: u.ID, Role: store.MessageUser, Content: "hi"}))
	e := &store.Expense{UserID: u.ID, Amount: usd("5.00"), Category: "food", Date: "2026-01-02"}
	must(t, s.CreateExpense(ctx, e))
	oe := &store.Expense{UserID: other.ID, Amount: usd("6.00"), Category: "food", Date: "2026-01-02"}
	must(t, s.CreateExpense(ctx, oe))
	_, err := s.AppendEvent(ctx, u.ID, "message", func(seq int64) (json.RawMessage, error) { return json.RawMessage(`{}`), nil })
	must(t, err)
	must(t, s.CreateRefreshToken(ctx, &store.RefreshToken{Hash: "h-" + u.ID, UserID: u.ID, FamilyID: "f", ExpiresAt: time.Now().Add(time.Hour)}))
	a := &store.AuditRecord{UserID: u.ID, Kind: "admin", Action: "delete_user", Outcome: "ok"}
	must(t, s.AppendAudit(ctx, a, testHash))

	must(t, s.DeleteUser(ctx, u.ID))
	wantNotFound(t, "DeleteUser twice", s.DeleteUser(ctx, u.ID))
	_, err = s.UserByID(ctx, u.ID)
	wantNotFound(t, "UserByID after delete", err)
	_, err = s.ExpenseByID(ctx, u.ID, e.ID)
	wantNotFound(t, "expense after delete", err)
	_, err = s.ConversationByID(ctx, u.ID, c.ID)
	wantNotFound(t, "conversation after delete", err)
	_, err = s.RefreshTokenByHash(ctx, "h-"+u.ID)
	wantNotFound(t, "refresh token after delete", err)
	if n, err := s.LastSeq(ctx, u.ID); err != nil || n != 0 {
		t.Errorf("LastSeq after delete = %d, %v; want 0", n, err)
	}
	if _, err := s.ExpenseByID(ctx, other.ID, oe.ID); err != nil {
		t.Errorf("another user's expense went with the deleted user: %v", err)
	}
	found := false
	must(t, s.ScanAudit(ctx, func(r *store.AuditRecord) error {
		found = found || r.Seq == a.Seq && r.UserID == u.ID
		return nil
	}))
	if !found {
		t.Error("audit row of the deleted user is gone; audit must be kept")
	}
}

func testRefreshTokens(t *testing.T, s store.Store) {
	ctx := ctxT(t)
	u := newUser(t, s)
	exp := time.Now().Add(time.Hour).UTC().Truncate(time.Second)
	a := &store.RefreshToken{Hash: "a-" + u.ID, UserID: u.ID, FamilyID: "fam-" + u.ID, ExpiresAt: exp}
	b := &store.RefreshToken{Hash: "b-" + u.ID, UserID: u.ID, FamilyID: "fam-" + u.ID, ExpiresAt: exp}
	c := &store.RefreshToken{Hash: "c-" + u.ID, UserID: u.ID, FamilyID: "other-" + u.ID, ExpiresAt: exp}
	for _, tok := range []*store.RefreshToken{a, b, c} {
		must(t, s.CreateRefreshToken(ctx, tok))
	}
	if err := s.CreateRefreshToken(ctx, a); !errors.Is(err, store.ErrConflict) {
		t.Errorf("duplicate token hash: err = %v, want ErrConflict", err)
	}
	got, err := s.RefreshTokenByHash(ctx, a.Hash)
	must(t, err)
	if got.UserID != u.ID || got.FamilyID != a.FamilyID || !got.ExpiresAt.Equal(exp) || got.UsedAt != nil || got.RevokedAt != nil {
		t.Errorf("RefreshTokenByHash = %+v", got)
	}
	now := time.Now()
	if ok, err := s.UseRefreshToken(ctx, a.Hash, now); err != nil || !ok {
		t.Fatalf("first use = %v, %v; want true", ok, err)
	}
	if ok, err := s.UseRefreshToken(ctx, a.Hash, now); err != nil || ok {
		t.Fatalf("second use = %v, %v; want false", ok, err)
	}
	got, _ = s.RefreshTokenByHash(ctx, a.Hash)
	if got.UsedAt == nil {
		t.Error("UsedAt not set")
	}
	must(t, s.RevokeRefreshFamily(ctx, a.FamilyID, now))
	if ok, err := s.UseRefreshToken(ctx, b.Hash, now); err != nil || ok {
		t.Errorf("use of a revoked family's token = %v, %v; want false", ok, err)
	}
	if ok, _ := s.UseRefreshToken(ctx, c.Hash, now); !ok {
		t.Error("token of another family was revoked too")
	}
	d := &store.RefreshToken{Hash: "d-" + u.ID, UserID: u.ID, FamilyID: "x", ExpiresAt: exp}
	must(t, s.CreateRefreshToken(ctx, d))
	must(t, s.RevokeUserRefreshTokens(ctx, u.ID, now))
	if got, _ := s.RefreshTokenByHash(ctx, d.Hash); got == nil || got.RevokedAt == nil {
		t.Error("RevokeUserRefreshTokens left a token unrevoked")
	}
	_, err = s.UseRefreshToken(ctx, "unknown", now)
	wantNotFound(t, "UseRefreshToken(unknown)", err)
}
