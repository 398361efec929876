package chaos

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/pamtravel/pam/internal/cache"
	"github.com/pamtravel/pam/internal/llm"
	"github.com/pamtravel/pam/internal/llm/anthropic"
	"github.com/pamtravel/pam/internal/llm/llmtest"
	"github.com/pamtravel/pam/internal/llm/openai"
	"github.com/pamtravel/pam/internal/tools"
)

func TestParse(t *testing.T) {
	tests := []struct {
		spec    string
		want    string
		wantErr string
	}{
		{"", "off", ""},
		{"tool_timeout=0.1,model_529=0.25", "tool_timeout=0.1,model_529=0.25", ""},
		{"all=0.1", "tool_timeout=0.1,external_invalid=0.1,model_429=0.1,model_529=0.1,model_timeout=0.1,ws_disconnect=0.1,db_pool=0.1,redis_down=0.1", ""},
		{"all=0.1,db_pool=0", "tool_timeout=0.1,external_invalid=0.1,model_429=0.1,model_529=0.1,model_timeout=0.1,ws_disconnect=0.1,redis_down=0.1", ""},
		{"model_529=2", "", "from 0 to 1"},
		{"disk_full=0.1", "", "unknown fault"},
		{"model_529", "", "fault=rate"},
	}
	for _, tc := range tests {
		t.Run(tc.spec, func(t *testing.T) {
			i, err := Parse(tc.spec, 1)
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("err = %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := i.String(); got != tc.want {
				t.Fatalf("got %q, want %q", got, tc.want)
			}
		})
	}
}

func TestAllowedRefusesProd(t *testing.T) {
	for env, ok := range map[string]bool{"dev": true, "staging": true, "prod": false} {
		if err := Allowed(env); (err == nil) != ok {
			t.Errorf("Allowed(%q) = %v", env, err)
		}
	}
}

func TestRateIsRespected(t *testing.T) {
	i, _ := Parse("model_429=0.1", 42)
	n := 0
	for range 10000 {
		if i.Hit(Model429) {
			n++
		}
	}
	if n < 800 || n > 1200 {
		t.Fatalf("hits = %d of 10000 at rate 0.1", n)
	}
	if i.Hit(Model529) {
		t.Fatal("a fault without a rate fired")
	}
}

// The model faults reach the real SDKs as the providers' own errors.
func TestModelTransportSpeaksProviderErrors(t *testing.T) {
	tests := []struct {
		name     string
		spec     string
		provider string
		kind     llm.ErrorKind
	}{
		{"anthropic 429", "model_429=1", "anthropic", llm.KindRateLimited},
		{"anthropic 529", "model_529=1", "anthropic", llm.KindOverloaded},
		{"openai 429", "model_429=1", "openai", llm.KindRateLimited},
		{"openai timeout", "model_timeout=1", "openai", llm.KindTimeout},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			inj, err := Parse(tc.spec, 1)
			if err != nil {
				t.Fatal(err)
			}
			client := &http.Client{Transport: inj.ModelTransport(nil)}
			var m llm.Model
			if tc.provider == "anthropic" {
				f := llmtest.NewAnthropic(t)
				f.Always(llmtest.Text("hello"))
				m, err = anthropic.New(anthropic.Config{APIKey: "k", Model: "claude-sonnet-4-5", BaseURL: f.BaseURL(), HTTPClient: client})
			} else {
				f := llmtest.NewOpenAI(t)
				f.Always(llmtest.Text("hello"))
				m, err = openai.New(openai.Config{APIKey: "k", Model: "gpt-4.1-mini", BaseURL: f.BaseURL(), HTTPClient: client})
			}
			if err != nil {
				t.Fatal(err)
			}
			m = llm.Resilient(m, llm.Policy{AttemptTimeout: 300 * time.Millisecond, MaxRetries: -1, TurnDeadline: 2 * time.Second})
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_, err = m.Generate(ctx, &llm.Request{Messages: []llm.Message{{Role: llm.RoleUser, Content: []llm.Block{{Type: llm.BlockText, Text: "hi"}}}}}, nil)
			var pe *llm.ProviderError
			if !errors.As(err, &pe) || pe.Kind != tc.kind {
				t.Fatalf("err = %v, want kind %s", err, tc.kind)
			}
		})
	}
}

func TestExternalTransportBreaksPayloads(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"results":[{"latitude":38.57}]}`)
	}))
	defer srv.Close()
	inj, _ := Parse("external_invalid=1", 3)
	c := &http.Client{Transport: inj.ExternalTransport(nil)}
	resp, err := c.Get(srv.URL)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || strings.Contains(string(body), "38.57") {
		t.Fatalf("the real payload came through: %d %s", resp.StatusCode, body)
	}
}

func TestToolTimeoutHangsUntilDeadline(t *testing.T) {
	reg := tools.NewRegistry()
	ran := 0
	reg.MustRegister(tools.Tool{Name: "ping_tool", Description: "d", Parameters: []byte(`{"type":"object"}`),
		Handler: func(ctx context.Context, call *tools.Call) (*tools.Result, error) {
			ran++
			return &tools.Result{Status: tools.StatusOK}, nil
		}})
	inj, _ := Parse("tool_timeout=1", 1)
	inj.WrapTools(reg)
	tool, _ := reg.Get("ping_tool")
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Millisecond)
	defer cancel()
	start := time.Now()
	_, err := tool.Handler(ctx, &tools.Call{})
	if !errors.Is(err, context.DeadlineExceeded) || time.Since(start) < 25*time.Millisecond || ran != 0 {
		t.Fatalf("err %v after %v, real handler ran %d times", err, time.Since(start), ran)
	}
}

func TestRedisOutageWindows(t *testing.T) {
	inj, _ := Parse("redis_down=1", 1)
	inj.OutageWindow = 20 * time.Millisecond
	c := inj.Cache(cache.NewMemory(cache.MemoryOptions{}))
	if err := c.Set(context.Background(), "k", []byte("v"), time.Minute); !errors.Is(err, ErrRedisDown) {
		t.Fatalf("set during outage = %v", err)
	}
	inj2, _ := Parse("redis_down=0", 1)
	if inj2 != nil {
		t.Fatal("a zero rate is no chaos")
	}
}

func TestWebSocketCut(t *testing.T) {
	inj, _ := Parse("ws_disconnect=1", 1)
	cut := make(chan error, 1)
	h := inj.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		conn, _, err := w.(http.Hijacker).Hijack()
		if err != nil {
			cut <- err
			return
		}
		_, _ = conn.Write([]byte("HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n\r\n"))
		buf := make([]byte, 1)
		_ = conn.SetReadDeadline(time.Now().Add(15 * time.Second))
		_, err = conn.Read(buf)
		cut <- err
	}))
	srv := httptest.NewServer(h)
	defer srv.Close()
	req, _ := http.NewRequest("GET", srv.URL, nil)
	req.Header.Set("Upgrade", "websocket")
	req.Header.Set("Connection", "Upgrade")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	select {
	case err := <-cut:
		if err == nil || strings.Contains(err.Error(), "timeout") {
			t.Fatalf("connection was not cut: %v", err)
		}
	case <-time.After(14 * time.Second):
		t.Fatal("connection was not cut within its life")
	}
}
