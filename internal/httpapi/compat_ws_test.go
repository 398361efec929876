package httpapi

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/store/storage"
)

// dialCompat opens the app's WebSocket on the harness and reads the
// connection frame.
func dialCompat(t *testing.T, h *wsHarness, user, token string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	base := strings.TrimSuffix(h.url, "/api/v1/ws")
	c, _, err := websocket.Dial(ctx, base+"/api/v1/pam/ws/"+user+"?token="+token, nil)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	_, b, err := c.Read(ctx)
	if err != nil {
		t.Fatalf("read connection frame: %v", err)
	}
	if !strings.Contains(string(b), `"type":"connection"`) || !strings.Contains(string(b), `"status":"connected"`) {
		t.Fatalf("first frame = %s", b)
	}
	return c
}

// TestCompatKeepalive: the server pings every heartbeat; a client that
// answers stays connected, one that does not is closed 1001 after the pong
// timeout.
func TestCompatKeepalive(t *testing.T) {
	h := newWSHarness(t, Config{Heartbeat: 40 * time.Millisecond, CompatPongTimeout: 300 * time.Millisecond})
	tests := []struct {
		name   string
		answer bool
	}{
		{"answers pings", true},
		{"silent", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := dialCompat(t, h, "u-"+strings.ReplaceAll(tt.name, " ", "-"), "token-u-"+strings.ReplaceAll(tt.name, " ", "-"))
			ctx, cancel := context.WithTimeout(context.Background(), 900*time.Millisecond)
			defer cancel()
			pings := 0
			for {
				_, b, err := c.Read(ctx)
				if err != nil {
					code := websocket.CloseStatus(err)
					if tt.answer {
						if ctx.Err() == nil || pings < 5 {
							t.Fatalf("answering client: %v (code %d) after %d pings", err, code, pings)
						}
						return // still open when the test's time ran out
					}
					if code != websocket.StatusGoingAway || pings < 2 {
						t.Fatalf("silent client closed with %d after %d pings, want 1001", code, pings)
					}
					return
				}
				var f struct{ Type string }
				_ = json.Unmarshal(b, &f)
				if f.Type == "ping" {
					pings++
					if tt.answer {
						_ = c.Write(ctx, websocket.MessageText, []byte(`{"type":"pong"}`))
					}
				}
			}
		})
	}
}

// expiringAuth issues claims that expire in a moment.
type expiringAuth struct{ tokenAuth }

func (expiringAuth) Verify(_ context.Context, tok string) (auth.Claims, error) {
	id, _ := strings.CutPrefix(tok, "token-")
	return auth.Claims{UserID: id, Role: "user", ExpiresAt: time.Now().Add(150 * time.Millisecond)}, nil
}

// TestCompatClosesWhenTheURLTokenExpires: 4001 at the token's expiry.
func TestCompatClosesWhenTheURLTokenExpires(t *testing.T) {
	st, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "pam.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	log := slog.New(slog.DiscardHandler)
	hub := delivery.NewHub(256)
	srv := httptest.NewServer(NewServer(Deps{Log: log, Store: st, Auth: expiringAuth{}, Delivery: delivery.NewService(st, nil, nil, hub, log, delivery.Config{})}))
	t.Cleanup(srv.Close)
	c := dialCompat(t, &wsHarness{url: "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/ws"}, "u1", "token-u1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for {
		if _, _, err := c.Read(ctx); err != nil {
			if code := websocket.CloseStatus(err); code != 4001 {
				t.Fatalf("closed with %d (%v), want 4001", code, err)
			}
			return
		}
	}
}

// TestCompatFloodCloses4008: frames over the rate get RATE_LIMIT_EXCEEDED,
// and a client that keeps on is closed 4008.
func TestCompatFloodCloses4008(t *testing.T) {
	h := newWSHarness(t, Config{WSFrameRate: 1, WSFrameBurst: 2, WSAbuseStrikes: 3})
	c := dialCompat(t, h, "flooder", "token-flooder")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	for range 8 {
		if c.Write(ctx, websocket.MessageText, []byte(`{"type":"ping"}`)) != nil {
			break
		}
	}
	var codes []string
	for {
		_, b, err := c.Read(ctx)
		if err != nil {
			if code := websocket.CloseStatus(err); code != 4008 {
				t.Fatalf("closed with %d (%v), want 4008", code, err)
			}
			break
		}
		var f struct {
			Type      string `json:"type"`
			ErrorCode string `json:"error_code"`
		}
		_ = json.Unmarshal(b, &f)
		if f.Type == "error" {
			codes = append(codes, f.ErrorCode)
		}
	}
	if len(codes) < 2 || codes[0] != "RATE_LIMIT_EXCEEDED" {
		t.Fatalf("error codes before the close = %v", codes)
	}
}
