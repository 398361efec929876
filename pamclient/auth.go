package pamclient

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"time"
)

// session holds the tokens from Login or Register, refreshed as needed.
type session struct {
	email, password string
	access, refresh string
	obtained        time.Time
	expires         time.Time
	userID          string
}

type authResponse struct {
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	AccessToken  string `json:"access_token"`
	RefreshToken string `json:"refresh_token"`
	ExpiresIn    int64  `json:"expires_in"`
}

// APIError is an error answer from the server.
type APIError struct {
	Status     int
	Code       string
	Message    string
	RetryAfter time.Duration
}

func (e *APIError) Error() string {
	return fmt.Sprintf("pamclient: %d %s: %s", e.Status, e.Code, e.Message)
}

// Login signs in and lets the client manage (refresh, re-login) its tokens.
func (c *Client) Login(ctx context.Context, email, password string) error {
	return c.authenticate(ctx, "/api/v1/auth/login", map[string]string{"email": email, "password": password}, email, password)
}

// Register creates the account and signs in as it.
func (c *Client) Register(ctx context.Context, email, password, displayName string) error {
	return c.authenticate(ctx, "/api/v1/auth/register", map[string]string{"email": email, "password": password, "display_name": displayName}, email, password)
}

// UserID is the signed-in user's id (after Login or Register).
func (c *Client) UserID() string {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.session == nil {
		return ""
	}
	return c.session.userID
}

func (c *Client) authenticate(ctx context.Context, path string, body map[string]string, email, password string) error {
	var ar authResponse
	if err := c.doJSON(ctx, http.MethodPost, path, "", body, &ar); err != nil {
		return err
	}
	c.mu.Lock()
	c.session = &session{email: email, password: password}
	c.setTokensLocked(ar)
	c.mu.Unlock()
	return nil
}

func (c *Client) setTokensLocked(ar authResponse) {
	s := c.session
	s.access, s.refresh = ar.AccessToken, ar.RefreshToken
	if ar.User.ID != "" {
		s.userID = ar.User.ID
	}
	s.obtained, s.expires = time.Now(), time.Time{}
	if ar.ExpiresIn > 0 {
		s.expires = s.obtained.Add(time.Duration(ar.ExpiresIn) * time.Second)
	}
}

// token returns a usable access token; force skips the cached one (the
// server refused it).
func (c *Client) token(ctx context.Context, force bool) (string, error) {
	if c.opts.Token != nil {
		return c.opts.Token(ctx)
	}
	// One refresh at a time: a refresh token is single-use, and presenting a
	// used one again revokes the whole session.
	c.tokMu.Lock()
	defer c.tokMu.Unlock()
	c.mu.Lock()
	s := c.session
	if s == nil {
		c.mu.Unlock()
		return "", fmt.Errorf("pamclient: no credentials: call Login or Register, or set Options.Token")
	}
	access, refresh, expires, email, password, fresh := s.access, s.refresh, s.expires, s.email, s.password, time.Since(s.obtained) < 2*time.Second
	c.mu.Unlock()
	if access != "" && (fresh || !force && (expires.IsZero() || time.Until(expires) > 2*time.Second)) {
		return access, nil
	}
	var ar authResponse
	err := c.doJSON(ctx, http.MethodPost, "/api/v1/auth/refresh", "", map[string]string{"refresh_token": refresh}, &ar)
	if err != nil {
		// The refresh token is spent or revoked: sign in again.
		err = c.doJSON(ctx, http.MethodPost, "/api/v1/auth/login", "", map[string]string{"email": email, "password": password}, &ar)
	}
	if err != nil {
		return "", err
	}
	c.mu.Lock()
	c.setTokensLocked(ar)
	c.mu.Unlock()
	return ar.AccessToken, nil
}

// refreshAt is when the current token should be replaced in-band — at 80%
// of its lifetime — or zero for never (a TokenSource manages its own).
func (c *Client) refreshAt() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.opts.Token != nil || c.session == nil || c.session.expires.IsZero() {
		return time.Time{}
	}
	s := c.session
	// Token times are whole seconds, so a token may expire up to a second
	// before expires_in says: never wait past expires − 1.5 s.
	return minTime(s.obtained.Add(s.expires.Sub(s.obtained)*8/10), s.expires.Add(-1500*time.Millisecond))
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// doJSON sends a JSON request and decodes a JSON answer; error envelopes become *APIError.
func (c *Client) doJSON(ctx context.Context, method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return fmt.Errorf("pamclient: %w", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Accept", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("pamclient: %s %s: %w", method, path, err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	if err != nil {
		return fmt.Errorf("pamclient: read %s: %w", path, err)
	}
	if resp.StatusCode >= 300 {
		var env struct {
			Error struct {
				Code    string `json:"code"`
				Message string `json:"message"`
			} `json:"error"`
		}
		_ = json.Unmarshal(raw, &env)
		e := &APIError{Status: resp.StatusCode, Code: env.Error.Code, Message: env.Error.Message}
		if ra := resp.Header.Get("Retry-After"); ra != "" {
			var secs int
			if _, err := fmt.Sscan(ra, &secs); err == nil {
				e.RetryAfter = time.Duration(secs) * time.Second
			}
		}
		return e
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			return fmt.Errorf("pamclient: decode %s: %w", path, err)
		}
	}
	return nil
}
