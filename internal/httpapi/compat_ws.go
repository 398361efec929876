package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/compat"
	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/protocol"
)

// handleWS serves GET /api/v1/pam/ws/{user_id}?token=JWT: the original app's
// WebSocket on the native engine. The token's user must be the URL's (admins
// excepted, who still act as themselves); every chat is accepted durably
// through delivery.Submit and answered on this connection from the user's
// Hub stream, so safety, limits, durability and audit are the native ones.
func (a *compatAPI) handleWS(w http.ResponseWriter, r *http.Request) error {
	s := a.s
	if !s.rt.open() {
		return &pamerr.Error{Code: pamerr.Overloaded, Message: "PAM is restarting; reconnect in a moment.", RetryAfter: 2 * time.Second}
	}
	defer s.rt.done()
	// The app runs on its own origin; the token travels in the URL rather than
	// in a cookie, so a cross-site page cannot ride on ambient credentials and
	// the origin check has nothing to protect.
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled, InsecureSkipVerify: true})
	if err != nil {
		return nil // Accept has answered the request
	}
	c.SetReadLimit(wsMaxFrame + 1024)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	conn := &compatConn{a: a, c: c, ctx: ctx, cancel: cancel, id: newRequestID(), log: loggerFrom(r.Context()),
		addr: clientAddr(r), agent: r.UserAgent(), pending: map[string]*compatTurn{}, writerDone: make(chan struct{})}
	conn.bucket = tokenBucket{rate: float64(s.cfg.WSFrameRate), burst: float64(s.cfg.WSFrameBurst), tokens: float64(s.cfg.WSFrameBurst), last: time.Now()}
	tok := r.URL.Query().Get("token")
	if tok == "" {
		tok = bearer(r)
	}
	conn.serve(tok, r.PathValue("user_id"))
	return nil
}

// compatConn is one connection of the original app. The handler's goroutine
// reads and answers client frames; one writer goroutine turns the user's Hub
// frames for this connection's chats into chat_response / chunk frames and
// keeps the app-level ping.
type compatConn struct {
	a      *compatAPI
	c      *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	id     string
	log    *slog.Logger
	addr   string
	agent  string
	claims auth.Claims
	expiry *time.Timer // closes 4001 when the URL's token expires
	sub    *delivery.Subscription
	bucket tokenBucket
	strike strikes

	mu      sync.Mutex
	context compat.Context         // from init / context_update, for this connection
	pending map[string]*compatTurn // turn id → a chat waiting for its answer

	lastAlive  atomic.Int64 // unix nanoseconds of the last pong (or client ping)
	writerDone chan struct{}
}

// compatTurn is a chat of this connection whose answer has not been sent.
type compatTurn struct {
	sessionID string
	stream    bool
	chunks    int
}

func (w *compatConn) serve(token, urlUser string) {
	defer w.cancel()
	defer func() {
		if w.sub != nil {
			w.sub.Close()
			<-w.writerDone
		}
		if w.expiry != nil {
			w.expiry.Stop()
		}
		_ = w.c.CloseNow()
	}()
	if err := w.authenticate(token, urlUser); err != nil {
		return
	}
	go w.writer()
	for {
		raw, err := w.read()
		if errors.Is(err, errBadFrame) {
			continue
		}
		if err != nil {
			return
		}
		if err := w.handle(raw); err != nil {
			return
		}
	}
}

// authenticate checks the URL's token and user, subscribes and says connected.
func (w *compatConn) authenticate(token, urlUser string) error {
	s := w.a.s
	c, err := s.auth.Verify(w.ctx, token)
	if err != nil {
		w.close(compat.CloseAuth, "invalid or expired token")
		return errClosed
	}
	if c.UserID != urlUser && c.Role != "admin" {
		w.log.Info("compat websocket refused: token subject is not the URL's user", "user_id", c.UserID)
		w.close(compat.CloseAuth, "token does not match user")
		return errClosed
	}
	if err := s.limitUser(w.ctx, c.UserID); err != nil {
		_ = w.sendErr(err, compat.FromLimiter, "")
		w.close(compat.CloseRate, "too many connections")
		return errClosed
	}
	s.auth.Touch(w.ctx, c)
	w.claims = c
	if !c.ExpiresAt.IsZero() {
		// The app reconnects with its refreshed token; a socket never outlives the one it opened with.
		w.expiry = time.AfterFunc(time.Until(c.ExpiresAt), func() { w.close(compat.CloseAuth, "token expired") })
	}
	w.log = w.log.With("user_id", c.UserID, "conn_id", w.id)
	if stored, ok := w.a.contexts.Get(w.ctx, c.UserID); ok {
		w.context = stored
	}
	w.lastAlive.Store(time.Now().UnixNano())
	w.sub = s.delivery.Hub().SubscribeBuffer(c.UserID, s.cfg.WSSendQueue)
	w.sub.NotifyOverflow(func() {
		w.log.Warn("compat websocket send queue overflowed; disconnecting slow reader")
		w.close(compat.CloseRate, "too slow: send queue overflowed")
	})
	return w.writeJSON(compat.Connection{Type: compat.TypeConnection, Status: "connected", UserID: c.UserID, Timestamp: compat.Timestamp(time.Now())})
}

// read returns the next frame; an oversized one closes with 4009.
func (w *compatConn) read() ([]byte, error) {
	_, b, err := readFrame(w.ctx, w.c)
	if err != nil {
		return nil, err
	}
	if len(b) > wsMaxFrame {
		_ = w.sendErr(pamerr.New(pamerr.MessageTooLarge, "frame larger than %d bytes", wsMaxFrame), compat.FromLimiter, "")
		w.close(compat.CloseTooLarge, "message too large")
		return nil, errClosed
	}
	if ok, wait := w.bucket.take(time.Now()); !ok {
		return nil, w.refuse(&pamerr.Error{Code: pamerr.RateLimited, Message: "Too many messages; slow down.", RetryAfter: wait}, "")
	}
	return b, nil
}

// refuse answers a rate-limited frame, closing 4008 when the client keeps on.
func (w *compatConn) refuse(err error, sessionID string) error {
	if w.strike.add(time.Now()) >= w.a.s.cfg.WSAbuseStrikes {
		_ = w.sendErr(err, compat.FromLimiter, sessionID)
		w.close(compat.CloseRate, "rate limit exceeded")
		return errClosed
	}
	return w.sendErr(err, compat.FromLimiter, sessionID)
}

func (w *compatConn) close(code websocket.StatusCode, reason string) { _ = w.c.Close(code, reason) }

func (w *compatConn) write(b []byte) error {
	ctx, cancel := context.WithTimeout(w.ctx, wsWriteTimeout)
	defer cancel()
	return w.c.Write(ctx, websocket.MessageText, b)
}

func (w *compatConn) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return w.write(b)
}

// sendErr answers err as the app's error frame and reports errBadFrame (or
// the write's failure). A blocked user's connection is closed 4003.
func (w *compatConn) sendErr(err error, from compat.Origin, sessionID string) error {
	code := compat.ErrorCode(err, from)
	f := compat.ErrorFrame{Type: compat.TypeError, Message: pamerr.MessageOf(err), ErrorCode: code, SessionID: sessionID, Timestamp: compat.Timestamp(time.Now())}
	if ra := pamerr.RetryAfterOf(err); ra > 0 {
		f.RetryAfter = int64((ra + time.Second - 1) / time.Second)
	}
	if pamerr.Status(pamerr.CodeOf(err)) >= 500 && pamerr.CodeOf(err) != pamerr.Overloaded {
		w.log.Error("compat websocket frame failed", "error", err)
	}
	if werr := w.writeJSON(f); werr != nil {
		return werr
	}
	if cc := compat.CloseFor(code); cc != 0 {
		w.close(websocket.StatusCode(cc), "blocked")
		return errClosed
	}
	return errBadFrame
}

// handle answers one client frame. A returned error ends the connection.
func (w *compatConn) handle(raw []byte) error {
	var f compat.ClientFrame
	if err := json.Unmarshal(raw, &f); err != nil {
		return w.soft(w.sendFormat("malformed JSON frame"))
	}
	switch f.Type {
	case compat.TypeChat:
		return w.soft(w.chat(f))
	case compat.TypePong:
		w.lastAlive.Store(time.Now().UnixNano())
		return nil
	case compat.TypePing:
		w.lastAlive.Store(time.Now().UnixNano())
		return w.writeJSON(compat.Simple{Type: compat.TypePong, Timestamp: compat.Timestamp(time.Now())})
	case compat.TypeInit:
		return w.soft(w.updateContext(f, false))
	case compat.TypeContextUpdate:
		return w.soft(w.updateContext(f, true))
	default:
		return w.soft(w.sendFormat("unknown message type"))
	}
}

func (w *compatConn) sendFormat(msg string) error {
	f := compat.ErrorFrame{Type: compat.TypeError, Message: msg, ErrorCode: compat.ErrFormat, Timestamp: compat.Timestamp(time.Now())}
	if err := w.writeJSON(f); err != nil {
		return err
	}
	return errBadFrame
}

func (w *compatConn) soft(err error) error {
	if errors.Is(err, errBadFrame) {
		return nil
	}
	return err
}

// updateContext merges an init or context_update into the connection's context.
func (w *compatConn) updateContext(f compat.ClientFrame, answer bool) error {
	upd, err := compat.ParseContext(f.Context)
	if err != nil {
		return w.sendErr(err, compat.FromEngine, f.SessionID)
	}
	w.mu.Lock()
	merged, err := w.context.Merge(upd)
	if err == nil {
		w.context = merged
	}
	w.mu.Unlock()
	if err != nil {
		return w.sendErr(err, compat.FromEngine, f.SessionID)
	}
	if !answer {
		return nil
	}
	return w.writeJSON(compat.Simple{Type: compat.TypeContextUpdated, Timestamp: compat.Timestamp(time.Now())})
}

// chat submits a message to the engine; its answer arrives through the Hub.
func (w *compatConn) chat(f compat.ClientFrame) error {
	s := w.a.s
	text := f.Text()
	if strings.TrimSpace(text) == "" {
		return w.sendErr(pamerr.Invalid("message", "message is required"), compat.FromEngine, f.SessionID)
	}
	if err := s.auth.CheckRevoked(w.ctx, w.claims); pamerr.CodeOf(err) == pamerr.Unauthenticated {
		w.close(compat.CloseAuth, "token revoked")
		return errClosed
	}
	if err := s.limitUser(w.ctx, w.claims.UserID); err != nil {
		return w.refuse(err, f.SessionID)
	}
	msgCtx, err := compat.ParseContext(f.Context)
	if err != nil {
		return w.sendErr(err, compat.FromEngine, f.SessionID)
	}
	w.mu.Lock()
	merged, err := w.context.Merge(msgCtx)
	w.mu.Unlock()
	if err != nil {
		return w.sendErr(err, compat.FromEngine, f.SessionID)
	}
	in, err := w.a.inbound(w.ctx, w.claims, f.SessionID, f.ConversationID, text, merged)
	if err != nil {
		return w.sendErr(err, compat.FromEngine, f.SessionID)
	}
	in.RequestID, in.ClientAddr, in.UserAgent = w.id+":"+in.ClientMessageID, w.addr, w.agent
	s.auth.Touch(w.ctx, w.claims)
	var turnID string
	acc, err := s.delivery.Submit(w.ctx, in, func(acc *delivery.Accepted) {
		// Registered before the turn can run, so its frames find it.
		turnID = acc.Turn.ID
		w.mu.Lock()
		w.pending[turnID] = &compatTurn{sessionID: f.SessionID, stream: f.Stream}
		w.mu.Unlock()
	})
	if err != nil {
		if turnID != "" {
			w.take(turnID)
		}
		return w.sendErr(err, compat.FromEngine, f.SessionID)
	}
	w.a.remember(w.ctx, w.claims.UserID, f.SessionID, acc.Turn.ConversationID)
	if !acc.Duplicate {
		return nil
	}
	// A re-send: the first answer, once it exists; until then the turn's
	// message reaches this connection through the Hub.
	ev, err := s.delivery.ReplyEvent(w.ctx, acc.Turn)
	if err != nil {
		w.take(acc.Turn.ID)
		return w.sendErr(err, compat.FromEngine, f.SessionID)
	}
	if ev != nil {
		w.finish(acc.Turn.ID, ev.Type, ev.Payload)
	}
	return nil
}

// take removes and returns the pending chat of a turn.
func (w *compatConn) take(turnID string) *compatTurn {
	w.mu.Lock()
	defer w.mu.Unlock()
	p := w.pending[turnID]
	delete(w.pending, turnID)
	return p
}

// writer forwards this connection's answers and keeps the app-level ping.
func (w *compatConn) writer() {
	defer close(w.writerDone)
	hb := time.NewTicker(w.a.s.cfg.Heartbeat)
	defer hb.Stop()
	for {
		select {
		case f, ok := <-w.sub.C:
			if !ok {
				return
			}
			if !w.forward(f) {
				return
			}
		case <-hb.C:
			if time.Since(time.Unix(0, w.lastAlive.Load())) > w.a.pongTimeout {
				w.log.Info("compat websocket missed its pongs; closing")
				go w.close(compat.CloseKeepalive, "keepalive timeout")
				return
			}
			if w.writeJSON(compat.Simple{Type: compat.TypePing, Timestamp: compat.Timestamp(time.Now())}) != nil {
				return
			}
		case <-w.a.s.rt.goingAway:
			w.flush()
			go w.close(websocket.StatusGoingAway, "server shutting down")
			return
		case <-w.ctx.Done():
			return
		}
	}
}

func (w *compatConn) flush() {
	for {
		select {
		case f, ok := <-w.sub.C:
			if !ok || !w.forward(f) {
				return
			}
		default:
			return
		}
	}
}

// forward turns a Hub frame of one of this connection's chats into the
// app's frames; frames of other turns (other devices) are not the app's.
func (w *compatConn) forward(f delivery.Frame) bool {
	switch f.Type {
	case protocol.TypeDelta:
		w.mu.Lock()
		p := w.pending[f.TurnID]
		if p != nil && p.stream {
			p.chunks++
		}
		w.mu.Unlock()
		if p == nil || !p.stream {
			return true
		}
		var d protocol.Delta
		if json.Unmarshal(f.JSON, &d) != nil {
			return true
		}
		return w.writeJSON(compat.Chunk{Type: compat.TypeChunk, Content: d.Text, SessionID: p.sessionID, Timestamp: compat.Timestamp(time.Now())}) == nil
	case protocol.TypeMessage, protocol.TypeError:
		if f.Seq > 0 {
			return w.finish(f.TurnID, f.Type, f.JSON)
		}
	}
	return true
}

// finish sends the answer of a pending chat once: chat_response, or for a
// streamed chat its chunk (when the model streamed none) and
// response_complete; a turn that ended in an error answers an error frame.
func (w *compatConn) finish(turnID, typ string, payload []byte) bool {
	p := w.take(turnID)
	if p == nil {
		return true
	}
	now := time.Now()
	if typ == protocol.TypeError {
		var e protocol.Error
		if json.Unmarshal(payload, &e) != nil {
			return true
		}
		code := compat.CodeFor(pamerr.Code(e.Code), compat.FromLimiter)
		return w.writeJSON(compat.ErrorFrame{Type: compat.TypeError, Message: e.Message, ErrorCode: code, SessionID: p.sessionID, Timestamp: compat.Timestamp(now)}) == nil
	}
	var m protocol.Message
	if json.Unmarshal(payload, &m) != nil {
		return true
	}
	if !p.stream {
		return w.writeJSON(compat.FromMessage(compat.TypeChatResponse, m, p.sessionID, now)) == nil
	}
	if p.chunks == 0 {
		if w.writeJSON(compat.Chunk{Type: compat.TypeChunk, Content: m.Text, SessionID: p.sessionID, Timestamp: compat.Timestamp(now)}) != nil {
			return false
		}
	}
	return w.writeJSON(compat.FromMessage(compat.TypeResponseComplete, m, p.sessionID, now)) == nil
}
