package realtimetest

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/coder/websocket"

	"github.com/pamtravel/pam/internal/apptest"
	"github.com/pamtravel/pam/protocol"
)

// wsClient is a bare WebSocket client speaking the wire protocol by hand, so
// the tests see exactly what the server sends.
type wsClient struct {
	t      testing.TB
	conn   *websocket.Conn
	ctx    context.Context
	frames chan []byte
	err    error // why the connection ended, once frames is closed
}

func dial(t testing.TB, srv *apptest.Server) *wsClient {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	conn, _, err := websocket.Dial(ctx, "ws"+strings.TrimPrefix(srv.URL, "http")+"/api/v1/ws", nil)
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	conn.SetReadLimit(1 << 20)
	t.Cleanup(func() { _ = conn.CloseNow() })
	c := &wsClient{t: t, conn: conn, ctx: ctx, frames: make(chan []byte, 4096)}
	// One reader for the connection's life: a read with a timeout would
	// close the connection when the timeout fires.
	go func() {
		defer close(c.frames)
		for {
			_, b, err := conn.Read(ctx)
			if err != nil {
				c.err = err
				return
			}
			c.frames <- b
		}
	}()
	return c
}

// connect dials and says hello; lastSeq < 0 sends no last_seq.
func connect(t testing.TB, srv *apptest.Server, token string, lastSeq int64) (*wsClient, protocol.Welcome) {
	t.Helper()
	c := dial(t, srv)
	h := protocol.ClientFrame{Type: protocol.TypeHello, Token: token}
	if lastSeq >= 0 {
		h.LastSeq = &lastSeq
	}
	c.send(h)
	var w protocol.Welcome
	c.decode(c.next(protocol.TypeWelcome), &w)
	return c, w
}

func (c *wsClient) send(v any) {
	c.t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		c.t.Fatal(err)
	}
	c.sendRaw(b)
}

func (c *wsClient) sendRaw(b []byte) {
	c.t.Helper()
	if err := c.conn.Write(c.ctx, websocket.MessageText, b); err != nil {
		c.t.Fatalf("write: %v", err)
	}
}

// read returns the next frame, or the error that ended the connection.
func (c *wsClient) read(timeout time.Duration) ([]byte, error) {
	t := time.NewTimer(timeout)
	defer t.Stop()
	select {
	case b, ok := <-c.frames:
		if !ok {
			return nil, c.err
		}
		return b, nil
	case <-t.C:
		return nil, context.DeadlineExceeded
	}
}

// next skips frames until one of type typ arrives.
func (c *wsClient) next(typ string) []byte {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		b, err := c.read(time.Until(deadline))
		if err != nil {
			c.t.Fatalf("waiting for %s: %v", typ, err)
		}
		if frameType(b) == typ {
			return b
		}
	}
	c.t.Fatalf("no %s frame within 20 s", typ)
	return nil
}

// closeCode reads until the connection ends and returns its close status.
func (c *wsClient) closeCode(within time.Duration) websocket.StatusCode {
	c.t.Helper()
	deadline := time.Now().Add(within)
	for {
		_, err := c.read(time.Until(deadline))
		if err != nil {
			if errors.Is(err, context.DeadlineExceeded) {
				c.t.Fatalf("connection still open after %v", within)
			}
			return websocket.CloseStatus(err)
		}
	}
}

func (c *wsClient) decode(b []byte, v any) {
	c.t.Helper()
	if err := json.Unmarshal(b, v); err != nil {
		c.t.Fatalf("decode %s: %v", b, err)
	}
}

func frameType(b []byte) string {
	var h struct {
		Type string `json:"type"`
	}
	_ = json.Unmarshal(b, &h)
	return h.Type
}

// collectMessages reads for d and returns every message frame, by seq.
func (c *wsClient) collectMessages(d time.Duration) []protocol.Message {
	var out []protocol.Message
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		b, err := c.read(time.Until(deadline))
		if err != nil {
			break
		}
		if frameType(b) == protocol.TypeMessage {
			var m protocol.Message
			c.decode(b, &m)
			out = append(out, m)
		}
	}
	return out
}

func start(t testing.TB, env map[string]string) *apptest.Server {
	t.Helper()
	if env == nil {
		env = map[string]string{}
	}
	return apptest.Start(t, env)
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
