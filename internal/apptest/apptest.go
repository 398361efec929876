// Package apptest starts the real PAM server in-process for end-to-end tests,
// through app.Run exactly as the binary does, on a free loopback port with its
// own data directory, and offers a small JSON client for it.
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/app"
)

// Server is a running PAM.
type Server struct {
	URL     string
	Addr    string
	DataDir string
	Env     map[string]string

	t      testing.TB
	cancel context.CancelFunc
	done   chan error
	logs   *syncBuffer
}

// Start runs PAM with env (PAM_* settings) on a free port and waits until it
// answers /healthz. It stops when the test ends.
func Start(t testing.TB, env map[string]string) *Server {
	t.Helper()
	s := &Server{t: t, Env: map[string]string{}, logs: &syncBuffer{}}
	for k, v := range env {
		s.Env[k] = v
	}
	if s.Env["PAM_DATA_DIR"] == "" {
		s.Env["PAM_DATA_DIR"] = t.TempDir()
	}
	if s.Env["PAM_ADDR"] == "" {
		s.Env["PAM_ADDR"] = freeAddr(t)
	}
	if s.Env["PAM_MODEL"] == "" {
		s.Env["PAM_MODEL"] = "rules"
	}
	if s.Env["PAM_OFFLINE"] == "" {
		s.Env["PAM_OFFLINE"] = "true"
	}
	s.DataDir, s.Addr = s.Env["PAM_DATA_DIR"], s.Env["PAM_ADDR"]
	s.URL = "http://" + s.Addr
	s.start()
	t.Cleanup(s.Stop)
	return s
}

func freeAddr(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("free port: %v", err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

func (s *Server) start() {
	s.t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	s.cancel, s.done = cancel, make(chan error, 1)
	getenv := func(k string) string { return s.Env[k] }
	var environ []string
	for k, v := range s.Env {
		environ = append(environ, k+"="+v)
	}
	go func() {
		s.done <- app.Run(ctx, []string{"serve"}, getenv, environ, strings.NewReader(""), io.Discard, s.logs)
	}()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-s.done:
			s.t.Fatalf("PAM exited during start: %v\nlogs:\n%s", err, s.logs.String())
		default:
		}
		resp, err := http.Get(s.URL + "/healthz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	s.t.Fatalf("PAM did not become healthy at %s\nlogs:\n%s", s.URL, s.logs.String())
}

// Stop shuts PAM down gracefully and waits for it.
func (s *Server) Stop() {
	if s.cancel == nil {
		return
	}
	s.cancel()
	select {
	case err := <-s.done:
		if err != nil {
			s.t.Logf("PAM stopped with: %v", err)
		}
	case <-time.After(30 * time.Second):
		s.t.Errorf("PAM did not stop within 30 s")
	}
	s.cancel = nil
}

// Restart stops PAM and starts it again on the same address and data.
func (s *Server) Restart() {
	s.t.Helper()
	s.Stop()
	s.start()
}

// Logs returns everything PAM logged so far.
func (s *Server) Logs() string { return s.logs.String() }

// Response is a decoded JSON answer.
type Response struct {
	Status int
	Header http.Header
	Body   []byte
}

// JSON decodes the body into v, failing the test on error.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decode %s: %v", r.Body, err)
	}
}

// ErrorCode returns error.code of an error envelope.
func (r *Response) ErrorCode() string {
	var e struct {
		Error struct {
			Code string `json:"code"`
		} `json:"error"`
	}
	_ = json.Unmarshal(r.Body, &e)
	return e.Error.Code
}

// Do sends a request with an optional bearer token and JSON body (a []byte is sent as is).
func (s *Server) Do(t testing.TB, method, path, token string, body any) *Response {
	t.Helper()
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(b)
	case string:
		rd = strings.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, s.URL+path, rd)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	return &Response{Status: resp.StatusCode, Header: resp.Header, Body: raw}
}

// Session is a registered user's tokens.
type Session struct {
	UserID       string
	Email        string
	AccessToken  string
	RefreshToken string
}

var userSeq struct {
	sync.Mutex
	n int
}

// Register creates a fresh user and returns their session.
func (s *Server) Register(t testing.TB) *Session {
	t.Helper()
	userSeq.Lock()
	userSeq.n++
	email := fmt.Sprintf("traveller%d-%d@example.com", userSeq.n, os.Getpid())
	userSeq.Unlock()
	r := s.Do(t, "POST", "/api/v1/auth/register", "", map[string]string{"email": email, "password": "correct horse battery", "display_name": "Test Traveller"})
	if r.Status != http.StatusCreated {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	var body struct {
		User struct {
			ID string `json:"id"`
		} `json:"user"`
		AccessToken  string `json:"access_token"`
		RefreshToken string `json:"refresh_token"`
	}
	r.JSON(t, &body)
	return &Session{UserID: body.User.ID, Email: email, AccessToken: body.AccessToken, RefreshToken: body.RefreshToken}
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}
