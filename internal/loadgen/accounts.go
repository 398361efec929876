package loadgen

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"sync"
	"time"
)

// Accounts signs virtual users up once and keeps their tokens, so runs (and
// breaking-point steps) reuse them. Sign-ups are limited to a few at a time:
// each costs the server an argon2id hash.
type Accounts struct {
	base   string
	client *http.Client
	run    string
	sem    chan struct{}

	mu    sync.Mutex
	users map[int]*account
}

type account struct {
	mu       sync.Mutex
	email    string
	password string
	token    string
	expires  time.Time
}

// NewAccounts returns a pool for the server at base; client may be nil.
func NewAccounts(base string, client *http.Client) *Accounts {
	if client == nil {
		client = &http.Client{Transport: sharedTransport(), Timeout: 60 * time.Second}
	}
	var b [4]byte
	_, _ = rand.Read(b[:])
	return &Accounts{base: trimBase(base), client: client, run: hex.EncodeToString(b[:]), sem: make(chan struct{}, 4), users: map[int]*account{}}
}

// Token returns a valid access token for virtual user n, signing it up or
// in when needed. force asks for a fresh one (the server refused the last).
func (a *Accounts) Token(ctx context.Context, n int, force bool) (string, error) {
	a.mu.Lock()
	acc := a.users[n]
	if acc == nil {
		acc = &account{email: fmt.Sprintf("load-%s-%d@example.com", a.run, n), password: "load-test-password-" + a.run}
		a.users[n] = acc
	}
	a.mu.Unlock()
	acc.mu.Lock()
	defer acc.mu.Unlock()
	if acc.token != "" && !force && time.Until(acc.expires) > 30*time.Second {
		return acc.token, nil
	}
	select {
	case a.sem <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-a.sem }()
	path, body := "/api/v1/auth/login", map[string]string{"email": acc.email, "password": acc.password}
	if acc.token == "" {
		path, body = "/api/v1/auth/register", map[string]string{"email": acc.email, "password": acc.password, "display_name": fmt.Sprintf("Load %d", n)}
	}
	tok, ttl, err := a.auth(ctx, path, body)
	if err != nil && path == "/api/v1/auth/register" {
		tok, ttl, err = a.auth(ctx, "/api/v1/auth/login", map[string]string{"email": acc.email, "password": acc.password})
	}
	if err != nil {
		return "", err
	}
	acc.token, acc.expires = tok, time.Now().Add(ttl)
	return tok, nil
}

// SignUp makes sure users 0..n-1 have tokens, a few at a time, bounded to
// ten minutes; it reports progress to w (may be nil).
func (a *Accounts) SignUp(ctx context.Context, n int, w io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Minute)
	defer cancel()
	var (
		wg    sync.WaitGroup
		mu    sync.Mutex
		first error
		done  int
	)
	next := make(chan int)
	for range cap(a.sem) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				_, err := a.Token(ctx, i, false)
				mu.Lock()
				done++
				if err != nil && first == nil {
					first = err
				}
				if w != nil && done%100 == 0 {
					fmt.Fprintf(w, "\rsigning up users: %d/%d   ", done, n)
				}
				mu.Unlock()
			}
		}()
	}
	for i := 0; i < n && ctx.Err() == nil; i++ {
		next <- i
	}
	close(next)
	wg.Wait()
	if w != nil {
		fmt.Fprintln(w)
	}
	if first != nil {
		return fmt.Errorf("load: sign-up: %w", first)
	}
	return ctx.Err()
}

func (a *Accounts) auth(ctx context.Context, path string, body map[string]string) (string, time.Duration, error) {
	raw, _ := json.Marshal(body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, a.base+path, bytes.NewReader(raw))
	if err != nil {
		return "", 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return "", 0, fmt.Errorf("%s: %w", path, err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode/100 != 2 {
		return "", 0, fmt.Errorf("%s: %s: %s", path, resp.Status, bytes.TrimSpace(data))
	}
	var out struct {
		AccessToken string `json:"access_token"`
		ExpiresIn   int    `json:"expires_in"`
	}
	if err := json.Unmarshal(data, &out); err != nil || out.AccessToken == "" {
		return "", 0, fmt.Errorf("%s: no access token in the answer", path)
	}
	ttl := time.Duration(out.ExpiresIn) * time.Second
	if ttl <= 0 {
		ttl = 10 * time.Minute
	}
	return out.AccessToken, ttl, nil
}
