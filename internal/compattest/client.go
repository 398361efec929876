// Package compattest is a Go client that behaves like the original Wheels &
// Wins app's PAM service: it connects to /api/v1/pam/ws/{user_id} with the
// token in the URL, sends init, answers the server's pings, reconnects with
// exponential backoff (re-sending a chat that was in flight), and falls back
// to REST POST /api/v1/pam/chat when the WebSocket is unavailable. Tests
// drive the real server with it to prove the old app keeps working.
package compattest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"
)

// Frame is any server frame, with every field the app reads.
type Frame struct {
	Type       string     `json:"type"`
	Status     string     `json:"status,omitempty"`
	Message    string     `json:"message,omitempty"`
	Content    string     `json:"content,omitempty"`
	MessageID  string     `json:"message_id,omitempty"`
	SessionID  string     `json:"session_id,omitempty"`
	UIActions  []UIAction `json:"ui_actions,omitempty"`
	Source     string     `json:"source,omitempty"`
	Model      string     `json:"model,omitempty"`
	Error      string     `json:"error,omitempty"`
	ErrorCode  string     `json:"error_code,omitempty"`
	RetryAfter int64      `json:"retry_after,omitempty"`
	Timestamp  string     `json:"timestamp,omitempty"`

	Raw []byte `json:"-"`
	// CloseCode is set on the client's own "closed" frame: the server closed
	// the socket with it, and the client will not reconnect (4001, 4003) or
	// is reconnecting.
	CloseCode int `json:"-"`
}

// UIAction is the app's reload instruction.
type UIAction struct {
	Type        string `json:"type"`
	EntityID    string `json:"entity_id"`
	EntityType  string `json:"entity_type"`
	EntityTitle string `json:"entity_title"`
}

// Client-side frame types (never sent by the server).
const (
	typeClosed      = "_closed"
	typeReconnected = "_reconnected"
)

// Options configure a Client.
type Options struct {
	BaseURL   string // http://host:port of PAM
	WSURL     string // ws://host:port; derived from BaseURL when empty
	UserID    string
	Token     string
	SessionID string
	// Init is sent in an init frame after each connect.
	Init map[string]any
	// Backoff is the first reconnect delay, doubled up to MaxBackoff, for at
	// most MaxReconnects attempts in a row [200ms, 3s, 6].
	Backoff       time.Duration
	MaxBackoff    time.Duration
	MaxReconnects int
	// ReplyTimeout is how long a chat waits on the WebSocket before it falls
	// back to REST [30s].
	ReplyTimeout time.Duration
	HTTP         *http.Client
	// AfterSend, when set, runs after each chat frame is written (tests use
	// it to drop the connection mid-turn).
	AfterSend func(c *Client)
}

// Client is one app instance.
type Client struct {
	opts   Options
	frames chan Frame

	mu     sync.Mutex
	conn   *websocket.Conn
	alive  bool // a socket is open
	dead   bool // closed for good (by Close, or 4001 / 4003)
	closed chan struct{}

	Reconnects atomic.Int64
	PongsSent  atomic.Int64
}

// CloseError is a connection the server refused or closed.
type CloseError struct{ Code int }

func (e *CloseError) Error() string { return fmt.Sprintf("closed by server with %d", e.Code) }

// New returns a Client; Connect opens its WebSocket.
func New(opts Options) *Client {
	if opts.WSURL == "" {
		opts.WSURL = "ws" + strings.TrimPrefix(opts.BaseURL, "http")
	}
	if opts.Backoff <= 0 {
		opts.Backoff = 200 * time.Millisecond
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 3 * time.Second
	}
	if opts.MaxReconnects <= 0 {
		opts.MaxReconnects = 6
	}
	if opts.ReplyTimeout <= 0 {
		opts.ReplyTimeout = 30 * time.Second
	}
	if opts.HTTP == nil {
		opts.HTTP = &http.Client{Timeout: 60 * time.Second}
	}
	return &Client{opts: opts, frames: make(chan Frame, 1024), closed: make(chan struct{})}
}

// Connect dials the WebSocket, waits for the connection frame and sends
// init. A refusal is a *CloseError with the server's close code.
func (c *Client) Connect(ctx context.Context) error {
	conn, err := c.dial(ctx)
	if err != nil {
		return err
	}
	go c.read(conn)
	return nil
}

func (c *Client) dial(ctx context.Context) (*websocket.Conn, error) {
	u := c.opts.WSURL + "/api/v1/pam/ws/" + url.PathEscape(c.opts.UserID) + "?token=" + url.QueryEscape(c.opts.Token)
	conn, _, err := websocket.Dial(ctx, u, nil)
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	conn.SetReadLimit(1 << 20)
	_, b, err := conn.Read(ctx)
	if err != nil {
		if code := websocket.CloseStatus(err); code != -1 {
			return nil, &CloseError{Code: int(code)}
		}
		return nil, fmt.Errorf("read connection frame: %w", err)
	}
	var f Frame
	if json.Unmarshal(b, &f) != nil || f.Type != "connection" || f.Status != "connected" {
		_ = conn.CloseNow()
		return nil, fmt.Errorf("first frame %s, want connection/connected", b)
	}
	if c.opts.Init != nil {
		if err := writeJSON(ctx, conn, map[string]any{"type": "init", "context": c.opts.Init}); err != nil {
			_ = conn.CloseNow()
			return nil, err
		}
	}
	c.mu.Lock()
	c.conn, c.alive = conn, true
	c.mu.Unlock()
	return conn, nil
}

func writeJSON(ctx context.Context, conn *websocket.Conn, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return conn.Write(ctx, websocket.MessageText, b)
}

// read delivers frames, answers pings, and reconnects after a drop.
func (c *Client) read(conn *websocket.Conn) {
	for {
		_, b, err := conn.Read(context.Background())
		if err != nil {
			code := int(websocket.CloseStatus(err))
			c.mu.Lock()
			c.alive = false
			if code == 4001 || code == 4003 {
				c.dead = true
			}
			dead := c.dead
			c.mu.Unlock()
			c.push(Frame{Type: typeClosed, CloseCode: code})
			if dead {
				return
			}
			if conn = c.reconnect(); conn == nil {
				return
			}
			continue
		}
		var f Frame
		if json.Unmarshal(b, &f) != nil {
			continue
		}
		f.Raw = b
		if f.Type == "ping" {
			if writeJSON(context.Background(), conn, map[string]string{"type": "pong"}) == nil {
				c.PongsSent.Add(1)
			}
			continue
		}
		c.push(f)
	}
}

func (c *Client) push(f Frame) {
	select {
	case c.frames <- f:
	default: // a test not reading frames; drop rather than block the socket
	}
}

// reconnect dials again with exponential backoff; nil when it gives up.
func (c *Client) reconnect() *websocket.Conn {
	wait := c.opts.Backoff
	for range c.opts.MaxReconnects {
		select {
		case <-c.closed:
			return nil
		case <-time.After(wait):
		}
		ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		conn, err := c.dial(ctx)
		cancel()
		if err == nil {
			c.Reconnects.Add(1)
			c.push(Frame{Type: typeReconnected})
			return conn
		}
		var ce *CloseError
		if errors.As(err, &ce) && (ce.Code == 4001 || ce.Code == 4003) {
			c.mu.Lock()
			c.dead = true
			c.mu.Unlock()
			return nil
		}
		wait = min(2*wait, c.opts.MaxBackoff)
	}
	return nil
}

// Connected reports whether a WebSocket is open.
func (c *Client) Connected() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.alive
}

// Drop cuts the connection without a close handshake, as a lost network
// does; the client reconnects.
func (c *Client) Drop() {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		_ = conn.CloseNow()
	}
}

// Close ends the client for good.
func (c *Client) Close() {
	c.mu.Lock()
	if !c.dead {
		c.dead = true
		close(c.closed)
	}
	conn := c.conn
	c.mu.Unlock()
	if conn != nil {
		_ = conn.Close(websocket.StatusNormalClosure, "bye")
	}
}

// SendRaw writes a frame as is (tests send malformed and unknown frames).
func (c *Client) SendRaw(ctx context.Context, b []byte) error {
	c.mu.Lock()
	conn := c.conn
	c.mu.Unlock()
	if conn == nil {
		return errors.New("not connected")
	}
	return conn.Write(ctx, websocket.MessageText, b)
}

// Send writes v as a JSON frame.
func (c *Client) Send(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return c.SendRaw(ctx, b)
}

// Next returns the next server frame (or the client's own _closed /
// _reconnected notices).
func (c *Client) Next(ctx context.Context) (Frame, error) {
	select {
	case f := <-c.frames:
		return f, nil
	case <-ctx.Done():
		return Frame{}, ctx.Err()
	}
}

// Reply is the answer to a chat, however it came.
type Reply struct {
	Via       string // "ws" or "rest"
	Type      string // chat_response, response_complete, error (ws); "rest"
	Text      string
	Message   string // chat_response.message
	Content   string // chat_response.content
	Chunks    []string
	UIActions []UIAction
	Source    string
	Model     string
	ErrorCode string
	Status    int // REST status
	Resent    int // times the chat was re-sent after a reconnect
	Raw       []byte
}

// ChatOptions tune one chat.
type ChatOptions struct {
	Stream  bool
	Context map[string]any
}

// Chat sends text over the WebSocket and waits for its answer. When the
// socket drops the chat is re-sent after the reconnect, as the app does;
// when no socket can be had (or the answer does not come in time) it goes
// over REST. Both carry the client's session_id.
func (c *Client) Chat(ctx context.Context, text string, o ChatOptions) (*Reply, error) {
	frame := map[string]any{"type": "chat", "message": text, "session_id": c.opts.SessionID}
	if o.Stream {
		frame["stream"] = true
	}
	if o.Context != nil {
		frame["context"] = o.Context
	}
	if !c.Connected() {
		return c.RESTChat(ctx, text, o.Context)
	}
	c.drain()
	if err := c.Send(ctx, frame); err != nil {
		return c.RESTChat(ctx, text, o.Context)
	}
	if c.opts.AfterSend != nil {
		c.opts.AfterSend(c)
	}
	r := &Reply{Via: "ws"}
	timeout := time.NewTimer(c.opts.ReplyTimeout)
	defer timeout.Stop()
	for {
		var f Frame
		select {
		case f = <-c.frames:
		case <-timeout.C:
			return c.RESTChat(ctx, text, o.Context)
		case <-ctx.Done():
			return nil, ctx.Err()
		}
		switch f.Type {
		case "chunk":
			r.Chunks = append(r.Chunks, f.Content)
		case "chat_response", "response_complete":
			r.Type, r.Text, r.Message, r.Content, r.UIActions, r.Source, r.Model, r.Raw =
				f.Type, f.Content, f.Message, f.Content, f.UIActions, f.Source, f.Model, f.Raw
			return r, nil
		case "error":
			r.Type, r.Text, r.ErrorCode, r.Raw = f.Type, f.Message, f.ErrorCode, f.Raw
			return r, nil
		case typeClosed:
			if !c.waitReconnect(ctx) {
				rr, err := c.RESTChat(ctx, text, o.Context)
				if rr != nil {
					rr.Resent = r.Resent + 1
				}
				return rr, err
			}
			r.Resent++
			r.Chunks = nil
			if err := c.Send(ctx, frame); err != nil {
				return c.RESTChat(ctx, text, o.Context)
			}
		}
	}
}

// drain drops frames left over from earlier exchanges.
func (c *Client) drain() {
	for {
		select {
		case <-c.frames:
		default:
			return
		}
	}
}

// waitReconnect waits for the reader's reconnect; false when it gave up.
func (c *Client) waitReconnect(ctx context.Context) bool {
	for {
		select {
		case f := <-c.frames:
			if f.Type == typeReconnected {
				return true
			}
		case <-time.After(100 * time.Millisecond):
			c.mu.Lock()
			dead := c.dead
			c.mu.Unlock()
			if dead {
				return false
			}
			if c.Reconnects.Load() > 0 && c.Connected() {
				return true
			}
		case <-ctx.Done():
			return false
		}
	}
}

// RESTChat is the app's fallback: POST /api/v1/pam/chat.
func (c *Client) RESTChat(ctx context.Context, text string, msgContext map[string]any) (*Reply, error) {
	body := map[string]any{"message": text, "session_id": c.opts.SessionID}
	if msgContext != nil {
		body["context"] = msgContext
	}
	status, raw, err := c.Do(ctx, http.MethodPost, "/api/v1/pam/chat", body)
	if err != nil {
		return nil, err
	}
	r := &Reply{Via: "rest", Type: "rest", Status: status, Raw: raw}
	var out struct {
		Response  string     `json:"response"`
		Actions   []UIAction `json:"actions"`
		Source    string     `json:"source"`
		Model     string     `json:"model"`
		ErrorCode string     `json:"error_code"`
		Detail    string     `json:"detail"`
	}
	if err := json.Unmarshal(raw, &out); err != nil {
		return nil, fmt.Errorf("decode REST chat %d %s: %w", status, raw, err)
	}
	r.Text, r.UIActions, r.Source, r.Model, r.ErrorCode = out.Response, out.Actions, out.Source, out.Model, out.ErrorCode
	if status != http.StatusOK {
		r.Text = out.Detail
	}
	return r, nil
}

// Do calls a REST route of /api/v1/pam with the client's bearer token.
func (c *Client) Do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.opts.BaseURL+path, rd)
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+c.opts.Token)
	resp, err := c.opts.HTTP.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}
