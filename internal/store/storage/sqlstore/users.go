package sqlstore

import (
	"context"
	"strings"
	"time"

	"github.com/pamtravel/pam/internal/store"
)

const userCols = "id, email, display_name, role, password_hash, settings, created_at, updated_at"

func scanUser(r scanner) (store.User, error) {
	var u store.User
	err := r.Scan(&u.ID, &u.Email, &u.DisplayName, &u.Role, &u.PasswordHash, settingsScan{&u.Settings},
		timeScan{&u.CreatedAt}, timeScan{&u.UpdatedAt})
	return u, err
}

// CreateUser stores u, filling ID (unless set), role, settings and times;
// ErrConflict on a taken email or id.
func (s *Store) CreateUser(ctx context.Context, u *store.User) error {
	t := now()
	nu := *u
	nu.CreatedAt, nu.UpdatedAt = t, t
	if nu.ID == "" { // a preset id is an outside identity provider's subject
		nu.ID = NewID()
	}
	if nu.Role == "" {
		nu.Role = store.RoleUser
	}
	if nu.Settings == (store.Settings{}) {
		nu.Settings = store.DefaultSettings()
	}
	err := s.write(ctx, "create user", func(q querier) error {
		at := s.ts(t)
		_, err := s.exec(ctx, q, `INSERT INTO users (id, email, email_key, display_name, role, password_hash, settings, created_at, updated_at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			nu.ID, nu.Email, emailKey(nu.Email), nu.DisplayName, nu.Role, nu.PasswordHash, settingsValue(nu.Settings), at, at)
		return err
	})
	if err != nil {
		return err
	}
	*u = nu
	return nil
}

func emailKey(e string) string { return strings.ToLower(strings.TrimSpace(e)) }

// UserByID returns the user.
func (s *Store) UserByID(ctx context.Context, id string) (*store.User, error) {
	return s.oneUser(ctx, "user by id", "SELECT "+userCols+" FROM users WHERE id = ?", id)
}

// UserByEmail returns the user with the email, compared case-insensitively.
func (s *Store) UserByEmail(ctx context.Context, email string) (*store.User, error) {
	return s.oneUser(ctx, "user by email", "SELECT "+userCols+" FROM users WHERE email_key = ?", emailKey(email))
}

func (s *Store) oneUser(ctx context.Context, op, query string, arg string) (*store.User, error) {
	return getOne(ctx, s, op, "user", scanUser, query, arg)
}

// UpdateUser saves display name, role, settings and password hash.
func (s *Store) UpdateUser(ctx context.Context, u *store.User) error {
	t := now()
	err := s.write(ctx, "update user", func(q querier) error {
		n, err := s.exec(ctx, q, `UPDATE users SET display_name = ?, role = ?, settings = ?, password_hash = ?, updated_at = ? WHERE id = ?`,
			u.DisplayName, u.Role, settingsValue(u.Settings), u.PasswordHash, s.ts(t), u.ID)
		if err == nil && n == 0 {
			return notFound("user")
		}
		return err
	})
	if err == nil {
		u.UpdatedAt = t
	}
	return err
}

// ListUsers lists accounts, newest first.
func (s *Store) ListUsers(ctx context.Context, p store.Page) ([]store.User, string, error) {
	return getPage(ctx, s, "list users", p, true, scanUser, func(u *store.User) string { return u.ID },
		"SELECT "+userCols+" FROM users", "")
}

// DeleteUser removes the account and, by cascade, all their data; audit rows stay.
func (s *Store) DeleteUser(ctx context.Context, id string) error {
	return s.write(ctx, "delete user", func(q querier) error {
		if tx, ok := q.(*txn); ok {
			tx.forgetConversations() // the user's go with it
		}
		n, err := s.exec(ctx, q, "DELETE FROM users WHERE id = ?", id)
		if err == nil && n == 0 {
			return notFound("user")
		}
		return err
	})
}

const tokenCols = "hash, user_id, family_id, expires_at, used_at, revoked_at, created_at"

// CreateRefreshToken stores a refresh token (by hash).
func (s *Store) CreateRefreshToken(ctx context.Context, t *store.RefreshToken) error {
	if t.CreatedAt.IsZero() {
		t.CreatedAt = now()
	}
	return s.write(ctx, "create refresh token", func(q querier) error {
		_, err := s.exec(ctx, q, "INSERT INTO refresh_tokens ("+tokenCols+") VALUES (?, ?, ?, ?, ?, ?, ?)",
			t.Hash, t.UserID, t.FamilyID, s.ts(t.ExpiresAt), s.nullTS(t.UsedAt), s.nullTS(t.RevokedAt), s.ts(t.CreatedAt))
		return s.fkAsNotFound("user", err)
	})
}

// RefreshTokenByHash returns the token.
func (s *Store) RefreshTokenByHash(ctx context.Context, hash string) (*store.RefreshToken, error) {
	return getOne(ctx, s, "refresh token by hash", "refresh token", func(r scanner) (store.RefreshToken, error) {
		var t store.RefreshToken
		err := r.Scan(&t.Hash, &t.UserID, &t.FamilyID, timeScan{&t.ExpiresAt}, nullTimeScan{&t.UsedAt}, nullTimeScan{&t.RevokedAt}, timeScan{&t.CreatedAt})
		return t, err
	}, "SELECT "+tokenCols+" FROM refresh_tokens WHERE hash = ?", hash)
}

// UseRefreshToken marks the token used; false when it was already used or revoked.
func (s *Store) UseRefreshToken(ctx context.Context, hash string, at time.Time) (bool, error) {
	var used bool
	err := s.writeTx(ctx, "use refresh token", func(q querier) error {
		n, err := s.exec(ctx, q, "UPDATE refresh_tokens SET used_at = ? WHERE hash = ? AND used_at IS NULL AND revoked_at IS NULL", s.ts(at), hash)
		if err != nil {
			return err
		}
		if n == 1 {
			used = true
			return nil
		}
		var c int
		if err := s.row(ctx, q, "SELECT COUNT(*) FROM refresh_tokens WHERE hash = ?", hash).Scan(&c); err != nil {
			return err
		}
		if c == 0 {
			return notFound("refresh token")
		}
		return nil
	})
	return used, err
}

// RevokeRefreshFamily revokes every token of the family.
func (s *Store) RevokeRefreshFamily(ctx context.Context, familyID string, at time.Time) error {
	return s.write(ctx, "revoke refresh family", func(q querier) error {
		_, err := s.exec(ctx, q, "UPDATE refresh_tokens SET revoked_at = ? WHERE family_id = ? AND revoked_at IS NULL", s.ts(at), familyID)
		return err
	})
}

// RevokeUserRefreshTokens revokes every token of the user.
func (s *Store) RevokeUserRefreshTokens(ctx context.Context, userID string, at time.Time) error {
	return s.write(ctx, "revoke user refresh tokens", func(q querier) error {
		_, err := s.exec(ctx, q, "UPDATE refresh_tokens SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL", s.ts(at), userID)
		return err
	})
}
