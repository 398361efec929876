package httpapi

import (
	"net/http"

	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/pamerr"
)

type credentials struct {
	Email        string `json:"email"`
	Password     string `json:"password"`
	DisplayName  string `json:"display_name"`
	RefreshToken string `json:"refresh_token"`
}

type sessionUser struct {
	ID          string `json:"id"`
	Email       string `json:"email"`
	Role        string `json:"role"`
	DisplayName string `json:"display_name,omitempty"`
}

type sessionBody struct {
	User         sessionUser `json:"user"`
	AccessToken  string      `json:"access_token"`
	RefreshToken string      `json:"refresh_token"`
	TokenType    string      `json:"token_type"`
	ExpiresIn    int         `json:"expires_in"`
}

func writeSession(w http.ResponseWriter, status int, s *auth.Session) {
	encode(w, status, sessionBody{
		User:        sessionUser{ID: s.User.ID, Email: s.User.Email, Role: s.User.Role, DisplayName: s.User.DisplayName},
		AccessToken: s.AccessToken, RefreshToken: s.RefreshToken, TokenType: "Bearer", ExpiresIn: s.ExpiresIn,
	})
}

func (s *server) handleRegister(w http.ResponseWriter, r *http.Request) error {
	c, err := decode[credentials](r)
	if err != nil {
		return err
	}
	sess, err := s.auth.Register(r.Context(), c.Email, c.Password, c.DisplayName)
	if err != nil {
		return err
	}
	writeSession(w, http.StatusCreated, sess)
	return nil
}

func (s *server) handleLogin(w http.ResponseWriter, r *http.Request) error {
	c, err := decode[credentials](r)
	if err != nil {
		return err
	}
	sess, err := s.auth.Login(r.Context(), c.Email, c.Password, clientAddr(r))
	if err != nil {
		return err
	}
	writeSession(w, http.StatusOK, sess)
	return nil
}

func (s *server) handleRefresh(w http.ResponseWriter, r *http.Request) error {
	c, err := decode[credentials](r)
	if err != nil {
		return err
	}
	if c.RefreshToken == "" {
		return pamerr.Invalid("refresh_token", "refresh_token is required")
	}
	sess, err := s.auth.Refresh(r.Context(), c.RefreshToken)
	if err != nil {
		return err
	}
	writeSession(w, http.StatusOK, sess)
	return nil
}

func (s *server) handleLogout(w http.ResponseWriter, r *http.Request) error {
	var c credentials // the body (a refresh token to revoke) is optional
	if r.ContentLength != 0 {
		var err error
		if c, err = decode[credentials](r); err != nil && r.ContentLength > 0 {
			return err
		}
	}
	if err := s.auth.Logout(r.Context(), claimsFrom(r.Context()), c.RefreshToken); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (s *server) handleMe(w http.ResponseWriter, r *http.Request) error {
	u, err := s.store.UserByID(r.Context(), claimsFrom(r.Context()).UserID)
	if err != nil {
		return err
	}
	encode(w, http.StatusOK, u)
	return nil
}
