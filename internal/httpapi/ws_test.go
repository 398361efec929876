package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pamtravel/pam/internal/agent"
	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
	"github.com/pamtravel/pam/internal/store/storage"
	"github.com/pamtravel/pam/protocol"
)

// tokenAuth accepts "token-<user id>" and nothing else.
type tokenAuth struct{ Authenticator }

func (tokenAuth) Verify(_ context.Context, tok string) (auth.Claims, error) {
	if id, ok := strings.CutPrefix(tok, "token-"); ok && id != "" {
		return auth.Claims{UserID: id, Role: "user", ExpiresAt: time.Now().Add(time.Hour)}, nil
	}
	return auth.Claims{}, pamerr.New(pamerr.Unauthenticated, "bad token")
}

func (tokenAuth) Touch(context.Context, auth.Claims) {}

// echoAgent answers every turn with its text.
type echoAgent struct{}

func (echoAgent) Run(_ context.Context, in agent.Input, emit agent.Emitter) (*agent.Output, error) {
	emit.Delta(in.Text)
	return &agent.Output{Text: in.Text, Source: "echo"}, nil
}

// passGuard bounds text like the safety layer's size check and nothing else.
type passGuard struct{}

func (passGuard) CleanText(t string) (string, error) {
	if len(t) > 1000 {
		return "", pamerr.New(pamerr.MessageTooLarge, "too long")
	}
	return t, nil
}
func (passGuard) CheckContext(json.RawMessage) error                       { return nil }
func (passGuard) Screen(context.Context, string, string) ([]string, error) { return nil, nil }
func (passGuard) Flagged(string, []string)                                 {}

type countGauge struct{ n atomic.Int64 }

func (g *countGauge) Inc() { g.n.Add(1) }
func (g *countGauge) Dec() { g.n.Add(-1) }

type wsHarness struct {
	url      string
	user     string // a stored user, for turns
	hub      *delivery.Hub
	gauge    *countGauge
	shutdown func(context.Context)
}

// newWSHarness serves the real handler on a real store, with a token check
// that needs no users, so tests can publish straight to the Hub.
func newWSHarness(t testing.TB, cfg Config) *wsHarness {
	t.Helper()
	st, err := storage.Open(context.Background(), filepath.Join(t.TempDir(), "pam.db"), storage.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	u := &store.User{Email: "ws@example.com", DisplayName: "WS", Role: store.RoleUser, PasswordHash: "x"}
	if err := st.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.DiscardHandler)
	hub := delivery.NewHub(256)
	h := &wsHarness{hub: hub, gauge: &countGauge{}, user: u.ID}
	handler := NewServer(Deps{Log: log, Store: st, Auth: tokenAuth{}, Delivery: delivery.NewService(st, echoAgent{}, passGuard{}, hub, log, delivery.Config{}),
		Config: cfg, Connections: h.gauge, OnShutdown: func(f func(context.Context)) { h.shutdown = f }})
	srv := httptest.NewServer(handler)
	t.Cleanup(srv.Close)
	h.url = "ws" + strings.TrimPrefix(srv.URL, "http") + "/api/v1/ws"
	return h
}

func (h *wsHarness) connect(t testing.TB, user string) *websocket.Conn {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := h.dialHello(ctx, user)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.CloseNow() })
	return c
}

// dialHello connects as user and reads the welcome.
func (h *wsHarness) dialHello(ctx context.Context, user string) (*websocket.Conn, error) {
	c, _, err := websocket.Dial(ctx, h.url, nil)
	if err != nil {
		return nil, err
	}
	c.SetReadLimit(1 << 20)
	hello, _ := json.Marshal(protocol.ClientFrame{Type: protocol.TypeHello, Token: "token-" + user})
	if err := c.Write(ctx, websocket.MessageText, hello); err != nil {
		return nil, err
	}
	_, b, err := c.Read(ctx)
	if err != nil || !strings.Contains(string(b), `"welcome"`) {
		return nil, fmt.Errorf("welcome: %s %v", b, err)
	}
	return c, nil
}

func TestSlowReaderIsDisconnected(t *testing.T) {
	h := newWSHarness(t, Config{WSSendQueue: 8})
	slow := h.connect(t, "u1")
	payload := []byte(`{"type":"delta","turn_id":"t","text":"` + strings.Repeat("x", 32<<10) + `"}`)
	const frames = 2000 // 64 MB: far beyond what socket buffers hold for the slow one
	for i := range frames {
		h.hub.Publish("u1", delivery.Frame{Type: protocol.TypeDelta, JSON: payload})
		if i%50 == 0 {
			time.Sleep(time.Millisecond)
		}
	}
	// The slow device reads nothing until now; its connection must be gone.
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	n := 0
	var err error
	for err == nil {
		_, _, err = slow.Read(ctx)
		n++
	}
	if errors.Is(err, context.DeadlineExceeded) || n >= frames {
		t.Fatalf("slow reader still connected after %d frames: %v", n, err)
	}
	if code := websocket.CloseStatus(err); code != protocol.CloseAbuse && code != -1 {
		t.Fatalf("slow reader closed with %d", code)
	}
	// Other connections are unaffected.
	other := h.connect(t, "u1")
	h.hub.Publish("u1", delivery.Frame{Type: protocol.TypeDelta, JSON: []byte(`{"type":"delta","turn_id":"t","text":"hi"}`)})
	if _, b, err := other.Read(ctx); err != nil || !strings.Contains(string(b), `"hi"`) {
		t.Fatalf("other connection: %s %v", b, err)
	}
}

func TestConnectionGaugeAndShutdown(t *testing.T) {
	h := newWSHarness(t, Config{})
	c1 := h.connect(t, "u1")
	c2 := h.connect(t, "u2")
	if n := h.gauge.n.Load(); n != 2 {
		t.Fatalf("gauge = %d, want 2", n)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	readErr := make(chan error, 1)
	go func() { _, _, _ = c2.Read(ctx) }() // answers the close handshake
	go func() {
		_, _, err := c1.Read(ctx)
		readErr <- err
	}()
	h.shutdown(ctx)
	err := <-readErr
	if code := websocket.CloseStatus(err); code != websocket.StatusGoingAway {
		t.Fatalf("close on shutdown = %d (%v), want 1001", code, err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for h.gauge.n.Load() != 0 && time.Now().Before(deadline) {
		time.Sleep(10 * time.Millisecond)
	}
	if n := h.gauge.n.Load(); n != 0 {
		t.Fatalf("gauge after shutdown = %d", n)
	}
	// New connections are refused while shutting down.
	if _, _, err := websocket.Dial(ctx, h.url, nil); err == nil {
		t.Fatal("dial succeeded during shutdown")
	}
}

func TestIdleConnectionIsClosed(t *testing.T) {
	h := newWSHarness(t, Config{Heartbeat: 50 * time.Millisecond, IdleClose: 200 * time.Millisecond})
	c := h.connect(t, "u1")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	began := time.Now()
	_, _, err := c.Read(ctx)
	if websocket.CloseStatus(err) != websocket.StatusNormalClosure || time.Since(began) > 3*time.Second {
		t.Fatalf("idle connection: %v after %v", err, time.Since(began))
	}
}

// FuzzWSFrame sends arbitrary frames on a live connection: each is answered
// (or ignored) and the connection stays usable — a following ping gets its
// pong — unless the frame is one that closes by contract (oversize 4009, a
// bad in-band token 4001).
func FuzzWSFrame(f *testing.F) {
	for _, s := range []string{
		`{"type":"chat","id":"a","text":"hello"}`, `{"type":"chat","id":"a"}`, `{"type":"ack","seq":1}`,
		`{"type":"ping"}`, `{"type":"hello","token":"x"}`, `{"type":"nope"}`, `{"type":7}`, `{`, `null`, `"x"`,
		`{"type":"chat","id":"b","text":"hi","context":{"location":{"lat":1,"lng":2}}}`, `{"type":"ack","seq":-5}`,
	} {
		f.Add([]byte(s))
	}
	h := newWSHarness(f, Config{UserPerMinute: 1 << 30, WSFrameRate: 1 << 20, WSFrameBurst: 1 << 20})
	var c *websocket.Conn
	f.Fuzz(func(t *testing.T, frame []byte) {
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		if c == nil {
			var err error
			if c, err = h.dialHello(ctx, h.user); err != nil {
				t.Fatal(err)
			}
		}
		if err := c.Write(ctx, websocket.MessageText, frame); err != nil {
			t.Fatalf("write: %v", err)
		}
		if err := c.Write(ctx, websocket.MessageText, []byte(`{"type":"ping"}`)); err != nil {
			c = nil // closed by the frame; checked below
		}
		for {
			_, b, err := c.Read(ctx)
			if err != nil {
				code := websocket.CloseStatus(err)
				if code == protocol.CloseAuth || code == protocol.CloseTooLarge {
					c = nil
					return
				}
				t.Fatalf("frame %q ended the connection: %v", frame, err)
			}
			if strings.Contains(string(b), `"type":"pong"`) {
				return
			}
		}
	})
}
