package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"net/http"
	"sync"
	"sync/atomic"
	"time"

	"github.com/coder/websocket"

	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/protocol"
)

// handleWS serves GET /api/v1/ws: the token arrives in the first frame
// (hello), durable frames after hello.last_seq are replayed, chats are
// accepted durably and answered in the background, and every frame of the
// user reaches every open connection of the user.
func (s *server) handleWS(w http.ResponseWriter, r *http.Request) error {
	if !s.rt.open() {
		return &pamerr.Error{Code: pamerr.Overloaded, Message: "PAM is restarting; reconnect in a moment.", RetryAfter: 2 * time.Second}
	}
	defer s.rt.done()
	c, err := websocket.Accept(w, r, &websocket.AcceptOptions{CompressionMode: websocket.CompressionDisabled})
	if err != nil {
		return nil // Accept has answered the request
	}
	// Frames are read through our own 64 KiB limit so that an oversized one
	// closes with 4009; the library's limit (which closes 1009) stays above it.
	c.SetReadLimit(wsMaxFrame + 1024)
	ctx, cancel := context.WithCancel(context.WithoutCancel(r.Context()))
	conn := &wsConn{s: s, c: c, ctx: ctx, cancel: cancel, id: newRequestID(), log: loggerFrom(r.Context()),
		addr: clientAddr(r), agent: r.UserAgent()}
	conn.bucket = tokenBucket{rate: float64(s.cfg.WSFrameRate), burst: float64(s.cfg.WSFrameBurst), tokens: float64(s.cfg.WSFrameBurst), last: time.Now()}
	conn.serve()
	return nil
}

// wsConn is one WebSocket connection. The handler's goroutine reads frames
// and answers them directly (welcome, replay, accepted, errors, pong). The
// user's Hub frames are written by a goroutine that exists only while some
// are queued, and the heartbeat is a timer: an idle connection costs one
// parked goroutine.
type wsConn struct {
	s      *server
	c      *websocket.Conn
	ctx    context.Context
	cancel context.CancelFunc
	id     string
	log    *slog.Logger
	addr   string
	agent  string

	device string
	sub    *delivery.Subscription
	bucket tokenBucket
	strike strikes

	mu     sync.Mutex
	claims auth.Claims
	expiry *time.Timer

	hb *time.Timer // heartbeat

	lastActive atomic.Int64 // unix nanoseconds of the last client frame
	sentSeq    atomic.Int64 // newest durable seq written
	draining   atomic.Bool  // a goroutine is writing queued frames
}

// errClosed ends the read loop after the connection was closed on purpose.
var errClosed = errors.New("websocket closed")

func (w *wsConn) serve() {
	defer w.cancel()
	defer w.finish()
	// Work that goes deep (token checks, SQL) runs on short-lived goroutines
	// so the connection's own stack stays small while it waits.
	if err := offStack(w.hello); err != nil {
		return
	}
	if !w.s.rt.track(w) {
		w.goAway()
		return
	}
	w.sub.OnFrame(w.kick)
	w.kick() // frames published during the replay
	w.mu.Lock()
	w.hb = time.AfterFunc(w.s.cfg.Heartbeat, w.beat)
	w.mu.Unlock()
	for {
		raw, err := w.read()
		if errors.Is(err, errBadFrame) {
			continue
		}
		if err != nil {
			return
		}
		if err := offStack(func() error { return w.handle(raw) }); err != nil {
			return
		}
	}
}

// finish releases what the connection holds.
func (w *wsConn) finish() {
	w.s.rt.untrack(w)
	if w.sub != nil {
		w.sub.Close()
	}
	w.mu.Lock()
	for _, t := range []*time.Timer{w.expiry, w.hb} {
		if t != nil {
			t.Stop()
		}
	}
	w.mu.Unlock()
	_ = w.c.CloseNow()
}

func offStack(f func() error) error {
	done := make(chan error, 1)
	go func() { done <- f() }()
	return <-done
}

// read returns the next text frame; an oversized one closes with 4009.
func (w *wsConn) read() ([]byte, error) {
	typ, b, err := readFrame(w.ctx, w.c)
	if err != nil {
		return nil, err
	}
	if len(b) > wsMaxFrame {
		w.close(protocol.CloseTooLarge, "frame larger than 64 KiB")
		return nil, errClosed
	}
	w.lastActive.Store(time.Now().UnixNano())
	if err := w.allow(); err != nil {
		return nil, err
	}
	if typ != websocket.MessageText {
		return nil, w.sendErr(pamerr.Invalid("frame", "frames must be JSON text"), "")
	}
	return b, nil
}

func (w *wsConn) close(code websocket.StatusCode, reason string) {
	_ = w.c.Close(code, reason)
}

// hello waits for the first frame, which must be a valid hello, then
// subscribes, welcomes and replays.
func (w *wsConn) hello() error {
	timer := time.AfterFunc(w.s.cfg.HelloTimeout, func() { w.close(protocol.CloseAuth, "no hello in time") })
	var raw []byte
	var err error
	for raw == nil {
		raw, err = w.read()
		if err != nil && !errors.Is(err, errBadFrame) {
			timer.Stop()
			return err
		}
	}
	timer.Stop()
	var f protocol.ClientFrame
	if json.Unmarshal(raw, &f) != nil || f.Type != protocol.TypeHello || f.Token == "" {
		w.close(protocol.CloseAuth, "the first frame must be hello with a token")
		return errClosed
	}
	claims, err := w.s.auth.Verify(w.ctx, f.Token)
	if err != nil {
		w.close(protocol.CloseAuth, "invalid or expired token")
		return errClosed
	}
	if err := w.s.limitUser(w.ctx, claims.UserID); err != nil {
		_ = w.sendErr(err, "")
		w.close(protocol.CloseAbuse, "too many connections")
		return errClosed
	}
	w.s.auth.Touch(w.ctx, claims)
	w.setClaims(claims)
	w.log = w.log.With("user_id", claims.UserID, "conn_id", w.id)
	w.device = f.Device
	if w.device == "" || len(w.device) > 128 {
		w.device = "conn-" + w.id
	}
	// Subscribe before reading the stream so nothing published in between is lost;
	// frames seen both ways are skipped by seq.
	w.sub = w.s.delivery.Hub().SubscribeBuffer(claims.UserID, w.s.cfg.WSSendQueue)
	w.sub.NotifyOverflow(func() {
		w.log.Warn("websocket send queue overflowed; disconnecting slow reader")
		w.close(protocol.CloseAbuse, "too slow: send queue overflowed")
	})
	return w.welcome(claims.UserID, f.LastSeq)
}

func (w *wsConn) welcome(userID string, after *int64) error {
	st := w.s.store
	newest, err := st.LastSeq(w.ctx, userID)
	if err != nil {
		w.log.Error("websocket welcome", "error", err)
		w.close(websocket.StatusInternalError, "event stream unavailable")
		return errClosed
	}
	recovered := true
	if after != nil && *after > newest {
		recovered = false // the client knows frames this server does not: reload
	} else if after != nil && *after < newest {
		oldest, err := st.OldestSeq(w.ctx, userID)
		if err != nil {
			w.close(websocket.StatusInternalError, "event stream unavailable")
			return errClosed
		}
		recovered = oldest != 0 && oldest <= *after+1
	}
	if err := w.writeJSON(protocol.Welcome{Type: protocol.TypeWelcome, UserID: userID, LastSeq: newest,
		Recovered: recovered, HeartbeatMs: w.s.cfg.Heartbeat.Milliseconds()}); err != nil {
		return err
	}
	if after == nil {
		w.sentSeq.Store(newest)
		return nil
	}
	cur := *after
	for cur < newest {
		evs, err := st.EventsAfter(w.ctx, userID, cur, replayPage)
		if err != nil {
			w.close(websocket.StatusInternalError, "event stream unavailable")
			return errClosed
		}
		if len(evs) == 0 {
			break
		}
		for _, ev := range evs {
			if err := w.write(ev.Payload); err != nil {
				return err
			}
			cur = ev.Seq
			w.sentSeq.Store(cur)
		}
	}
	if cur < newest {
		w.sentSeq.Store(newest)
	}
	return nil
}

func (w *wsConn) setClaims(c auth.Claims) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.claims = c
	if w.expiry != nil {
		w.expiry.Stop()
		w.expiry = nil
	}
	if !c.ExpiresAt.IsZero() {
		w.expiry = time.AfterFunc(time.Until(c.ExpiresAt), func() { w.close(protocol.CloseAuth, "token expired; reconnect with a fresh one") })
	}
}

func (w *wsConn) userClaims() auth.Claims {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.claims
}

// errBadFrame marks a frame answered with an error; the connection stays.
var errBadFrame = errors.New("bad frame")

// sendErr answers err as an error frame and reports errBadFrame (or the
// write's failure).
func (w *wsConn) sendErr(err error, id string) error {
	e := protocol.Error{Type: protocol.TypeError, Code: string(pamerr.CodeOf(err)), Message: pamerr.MessageOf(err), ID: id}
	if ra := pamerr.RetryAfterOf(err); ra > 0 {
		e.RetryAfterMs = ra.Milliseconds()
	}
	if pamerr.Status(pamerr.CodeOf(err)) >= 500 && pamerr.CodeOf(err) != pamerr.Overloaded {
		w.log.Error("websocket frame failed", "error", err)
	}
	if werr := w.writeJSON(e); werr != nil {
		return werr
	}
	return errBadFrame
}

// handle answers one client frame after hello. A returned error ends the connection.
func (w *wsConn) handle(raw []byte) error {
	var f protocol.ClientFrame
	if err := json.Unmarshal(raw, &f); err != nil {
		return w.soft(w.sendErr(pamerr.Invalid("frame", "malformed JSON frame"), ""))
	}
	switch f.Type {
	case protocol.TypeChat:
		return w.soft(w.chat(f))
	case protocol.TypeAck:
		return w.soft(w.ack(f))
	case protocol.TypeAuth:
		return w.reauth(f)
	case protocol.TypePing:
		return w.writeJSON(protocol.Pong{Type: protocol.TypePong})
	case protocol.TypeHello:
		return w.soft(w.sendErr(pamerr.Invalid("type", "hello was already received on this connection"), ""))
	default:
		return w.soft(w.sendErr(pamerr.Invalid("type", "unknown frame type %.40q", f.Type), f.ID))
	}
}

// soft turns an answered bad frame into no error: the connection stays.
func (w *wsConn) soft(err error) error {
	if errors.Is(err, errBadFrame) {
		return nil
	}
	return err
}

func (w *wsConn) chat(f protocol.ClientFrame) error {
	if f.ID == "" || len(f.ID) > 128 {
		return w.sendErr(pamerr.Invalid("id", "chat needs an id (the client's idempotency key) of at most 128 characters"), "")
	}
	c := w.userClaims()
	if err := w.s.limitUser(w.ctx, c.UserID); err != nil {
		return w.sendErr(err, f.ID)
	}
	w.s.auth.Touch(w.ctx, c)
	in := delivery.Inbound{UserID: c.UserID, Role: c.Role, RequestID: w.id + ":" + f.ID, ClientMessageID: f.ID,
		ConversationID: f.ConversationID, Text: f.Text, Context: f.Context, ClientAddr: w.addr, UserAgent: w.agent}
	var werr error
	acc, err := w.s.delivery.Submit(w.ctx, in, func(a *delivery.Accepted) {
		werr = w.writeJSON(protocol.Accepted{Type: protocol.TypeAccepted, ID: a.Turn.ClientMessageID, ConversationID: a.Turn.ConversationID})
	})
	if err != nil {
		return w.sendErr(err, f.ID)
	}
	if werr != nil {
		return werr
	}
	if !acc.Duplicate {
		return nil
	}
	// A repeated id: the original answer, once it exists; while the turn
	// runs, its message reaches this connection through the Hub.
	ev, err := w.s.delivery.ReplyEvent(w.ctx, acc.Turn)
	if err != nil {
		return w.sendErr(err, f.ID)
	}
	if ev != nil {
		return w.write(ev.Payload)
	}
	return nil
}

func (w *wsConn) ack(f protocol.ClientFrame) error {
	if f.Seq <= 0 {
		return w.sendErr(pamerr.Invalid("seq", "ack needs a positive seq"), "")
	}
	if err := w.s.store.RecordAck(w.ctx, w.userClaims().UserID, w.device, f.Seq); err != nil {
		w.log.Warn("record ack", "error", err)
	}
	return nil
}

// reauth takes a fresh access token for the same user; a bad one closes 4001.
func (w *wsConn) reauth(f protocol.ClientFrame) error {
	c, err := w.s.auth.Verify(w.ctx, f.Token)
	if err != nil || c.UserID != w.userClaims().UserID {
		w.close(protocol.CloseAuth, "invalid token for this connection")
		return errClosed
	}
	w.setClaims(c)
	return nil
}

// readFrame reads one frame, at most wsMaxFrame+1 bytes of it: a longer
// frame comes back over the limit so the caller can close with 4009.
func readFrame(ctx context.Context, c *websocket.Conn) (websocket.MessageType, []byte, error) {
	typ, rd, err := c.Reader(ctx)
	if err != nil {
		return typ, nil, err
	}
	b, err := io.ReadAll(io.LimitReader(rd, wsMaxFrame+1))
	return typ, b, err
}
