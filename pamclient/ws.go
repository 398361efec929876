package pamclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/coder/websocket"

	"github.com/pamtravel/pam/protocol"
)

// wsURL turns the base URL into the WebSocket endpoint.
func (c *Client) wsURL() string {
	u := c.base + "/api/v1/ws"
	switch {
	case strings.HasPrefix(u, "https://"):
		return "wss://" + strings.TrimPrefix(u, "https://")
	case strings.HasPrefix(u, "http://"):
		return "ws://" + strings.TrimPrefix(u, "http://")
	}
	return u
}

// forceToken is set when the server refused a token (close 4001).
func (c *Client) takeForceToken() bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	f := c.forceToken
	c.forceToken = false
	return f
}

func (c *Client) setForceToken() {
	c.mu.Lock()
	c.forceToken = true
	c.mu.Unlock()
}

// dialWS connects and says hello; it returns the connection, its welcome and
// the channel of frames read from it (closed, with readErr set, when it ends).
func (c *Client) dialWS(ctx context.Context) (*wsSession, error) {
	dctx, cancel := context.WithTimeout(ctx, c.opts.DialTimeout)
	defer cancel()
	tok, err := c.token(dctx, c.takeForceToken())
	if err != nil {
		return nil, err
	}
	conn, _, err := websocket.Dial(dctx, c.wsURL(), &websocket.DialOptions{HTTPClient: c.http})
	if err != nil {
		return nil, fmt.Errorf("dial: %w", err)
	}
	conn.SetReadLimit(1 << 20)
	s := &wsSession{c: c, conn: conn, frames: make(chan []byte, 64)}
	sctx, scancel := context.WithCancel(ctx)
	s.cancel = scancel
	go s.read(sctx)
	hello := protocol.ClientFrame{Type: protocol.TypeHello, Token: tok, LastSeq: c.resumeFrom(), Device: c.opts.Device}
	if err := s.writeJSON(dctx, hello); err != nil {
		s.close()
		return nil, err
	}
	select {
	case raw, ok := <-s.frames:
		if !ok {
			if websocket.CloseStatus(s.readErr) == protocol.CloseAuth {
				c.setForceToken()
			}
			s.close()
			return nil, fmt.Errorf("no welcome: %w", s.readErr)
		}
		var w protocol.Welcome
		if json.Unmarshal(raw, &w) != nil || w.Type != protocol.TypeWelcome {
			s.close()
			return nil, fmt.Errorf("expected welcome, got %.80s", raw)
		}
		s.welcome, s.welcomeRaw = w, raw
		return s, nil
	case <-dctx.Done():
		s.close()
		return nil, fmt.Errorf("no welcome: %w", dctx.Err())
	}
}

// wsSession is one WebSocket connection.
type wsSession struct {
	c          *Client
	conn       *websocket.Conn
	cancel     context.CancelFunc
	frames     chan []byte
	readErr    error
	welcome    protocol.Welcome
	welcomeRaw json.RawMessage
}

func (s *wsSession) read(ctx context.Context) {
	defer close(s.frames)
	for {
		_, b, err := s.conn.Read(ctx)
		if err != nil {
			s.readErr = err
			return
		}
		select {
		case s.frames <- b:
		case <-ctx.Done():
			s.readErr = ctx.Err()
			return
		}
	}
}

func (s *wsSession) writeJSON(ctx context.Context, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	return s.conn.Write(wctx, websocket.MessageText, b)
}

func (s *wsSession) close() {
	_ = s.conn.Close(websocket.StatusNormalClosure, "bye")
	s.cancel()
	for range s.frames { // let the reader finish
	}
}

// runWS runs one WebSocket connection to its end; welcomed reports whether
// the server accepted it (for the fallback count).
func (c *Client) runWS(gen int) (welcomed bool, err error) {
	s, err := c.dialWS(c.ctx)
	if err != nil {
		return false, err
	}
	defer s.close()
	c.startAt(s.welcome.LastSeq)
	c.event(s.welcomeRaw)
	c.setMode(ModeWebSocket)

	hb := c.opts.Heartbeat
	if hb <= 0 {
		hb = time.Duration(s.welcome.HeartbeatMs) * time.Millisecond
	}
	if hb <= 0 {
		hb = 25 * time.Second
	}
	ping := time.NewTicker(hb)
	defer ping.Stop()
	retry := time.NewTimer(time.Hour)
	defer retry.Stop()
	refresh := newRefreshTimer(c.refreshAt())
	defer refresh.Stop()
	lastRecv := time.Now()
	var acked int64
	for {
		for _, o := range c.sendable(gen) {
			if err := s.writeJSON(c.ctx, o.frame); err != nil {
				return true, err
			}
		}
		retry.Reset(c.nextRetry(gen))
		select {
		case raw, ok := <-s.frames:
			if !ok {
				if websocket.CloseStatus(s.readErr) == protocol.CloseAuth {
					c.setForceToken()
				}
				return true, s.readErr
			}
			lastRecv = time.Now()
			c.handleFrame(raw)
			if seq := c.LastSeq(); seq > acked && len(s.frames) == 0 {
				if err := s.writeJSON(c.ctx, protocol.ClientFrame{Type: protocol.TypeAck, Seq: seq}); err != nil {
					return true, err
				}
				acked = seq
			}
		case <-c.kick:
		case <-retry.C:
		case <-ping.C:
			if time.Since(lastRecv) > 2*hb {
				_ = s.conn.CloseNow()
				return true, errors.New("connection dead: no frames for two heartbeats")
			}
			if err := s.writeJSON(c.ctx, protocol.ClientFrame{Type: protocol.TypePing}); err != nil {
				return true, err
			}
		case <-refresh.C:
			tok, err := c.token(c.ctx, true)
			if err != nil {
				return true, err
			}
			if err := s.writeJSON(c.ctx, protocol.ClientFrame{Type: protocol.TypeAuth, Token: tok}); err != nil {
				return true, err
			}
			refresh.Stop()
			refresh = newRefreshTimer(c.refreshAt())
		case <-c.ctx.Done():
			return true, c.ctx.Err()
		}
	}
}

// handleFrame routes a server frame: durable ones exactly once by seq,
// refusals of chats back to the send queue, the rest to Events.
func (c *Client) handleFrame(raw json.RawMessage) {
	var head struct {
		Type string `json:"type"`
		Seq  int64  `json:"seq"`
	}
	if json.Unmarshal(raw, &head) != nil {
		return
	}
	switch {
	case head.Seq > 0 && (head.Type == protocol.TypeMessage || head.Type == protocol.TypeError):
		c.deliver(raw)
	case head.Type == protocol.TypeError:
		var e protocol.Error
		if json.Unmarshal(raw, &e) == nil && e.ID != "" {
			c.refused(e)
		}
		c.event(raw)
	case head.Type == protocol.TypePong:
	default:
		c.event(raw)
	}
}

// newRefreshTimer fires at t (never when t is zero).
func newRefreshTimer(t time.Time) *time.Timer {
	if t.IsZero() {
		tm := time.NewTimer(time.Hour)
		tm.Stop()
		return tm
	}
	return time.NewTimer(max(time.Until(t), 100*time.Millisecond))
}
