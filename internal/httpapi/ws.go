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
		addr: clientAddr(r), agent: r.UserAgent(), writerDone: make(chan struct{})}
	conn.bucket = tokenBucket{rate: float64(s.cfg.WSFrameRate), burst: float64(s.cfg.WSFrameBurst), tokens: float64(s.cfg.WSFrameBurst), last: time.Now()}
	conn.serve()
	return nil
}

// wsConn is one WebSocket connection. The handler's goroutine reads frames
// and answers them directly (welcome, replay, accepted, errors, pong); one
// writer goroutine forwards the user's Hub frames and sends heartbeats.
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

	lastActive atomic.Int64 // unix nanoseconds of the last client frame
	sentSeq    atomic.Int64 // newest durable seq written
	pinging    atomic.Bool
	writerDone chan struct{}
}

// errClosed ends the read loop after the connection was closed on purpose.
var errClosed = errors.New("websocket closed")

func (w *wsConn) serve() {
	defer w.cancel()
	defer func() {
		if w.sub != nil {
			w.sub.Close()
			<-w.writerDone
		}
		w.mu.Lock()
		if w.expiry != nil {
			w.expiry.Stop()
		}
		w.mu.Unlock()
		_ = w.c.CloseNow()
	}()
	if err := w.hello(); err != nil {
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

// read returns the next text frame; an oversized one closes with 4009.
func (w *wsConn) read() ([]byte, error) {
	typ, rd, err := w.c.Reader(w.ctx)
	if err != nil {
		return nil, err
	}
	b, err := io.ReadAll(io.LimitReader(rd, wsMaxFrame+1))
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

// writer forwards the user's frames and keeps the heartbeat.
func (w *wsConn) writer() {
	defer close(w.writerDone)
	hb := time.NewTicker(w.s.cfg.Heartbeat)
	defer hb.Stop()
	for {
		select {
		case f, ok := <-w.sub.C:
			if !ok { // closed, or overflowed (NotifyOverflow closes the socket)
				return
			}
			if !w.forward(f) {
				return
			}
		case <-hb.C:
			if time.Since(time.Unix(0, w.lastActive.Load())) > w.s.cfg.IdleClose {
				go w.close(websocket.StatusNormalClosure, "idle")
				return
			}
			w.ping()
		case <-w.s.rt.goingAway:
			w.flush()
			go w.close(websocket.StatusGoingAway, "server shutting down")
			return
		case <-w.ctx.Done():
			return
		}
	}
}

// forward writes f unless it is a durable frame already sent (by replay).
func (w *wsConn) forward(f delivery.Frame) bool {
	if f.Seq > 0 {
		if f.Seq <= w.sentSeq.Load() {
			return true
		}
		w.sentSeq.Store(f.Seq)
	}
	return w.write(f.JSON) == nil
}

// flush writes what is already queued, without waiting for more.
func (w *wsConn) flush() {
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

func (w *wsConn) ping() {
	if !w.pinging.CompareAndSwap(false, true) {
		return
	}
	go func() {
		defer w.pinging.Store(false)
		ctx, cancel := context.WithTimeout(w.ctx, w.s.cfg.Heartbeat)
		defer cancel()
		if err := w.c.Ping(ctx); err != nil && w.ctx.Err() == nil {
			w.log.Info("websocket heartbeat failed; closing", "error", err)
			_ = w.c.CloseNow()
		}
	}()
}

func (w *wsConn) write(b []byte) error {
	ctx, cancel := context.WithTimeout(w.ctx, wsWriteTimeout)
	defer cancel()
	return w.c.Write(ctx, websocket.MessageText, b)
}

func (w *wsConn) writeJSON(v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	return w.write(b)
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

// tokenBucket limits a connection's frame rate.
type tokenBucket struct {
	rate, burst, tokens float64
	last                time.Time
}

// take spends one token, or reports how long until one is available.
func (b *tokenBucket) take(now time.Time) (bool, time.Duration) {
	b.tokens = min(b.burst, b.tokens+now.Sub(b.last).Seconds()*b.rate)
	b.last = now
	if b.tokens >= 1 {
		b.tokens--
		return true, 0
	}
	return false, time.Duration((1 - b.tokens) / b.rate * float64(time.Second))
}

// strikes counts refused frames in a one-minute window.
type strikes struct {
	n     int
	since time.Time
}

func (s *strikes) add(now time.Time) int {
	if now.Sub(s.since) > time.Minute {
		s.n, s.since = 0, now
	}
	s.n++
	return s.n
}

// allow applies the frame rate limit: an error frame while the client
// exceeds it, close 4008 when it keeps on.
func (w *wsConn) allow() error {
	now := time.Now()
	ok, wait := w.bucket.take(now)
	if ok {
		return nil
	}
	if w.strike.add(now) >= w.s.cfg.WSAbuseStrikes {
		w.close(protocol.CloseAbuse, "too many frames")
		return errClosed
	}
	return w.sendErr(&pamerr.Error{Code: pamerr.RateLimited, Message: "Too many frames; slow down.", RetryAfter: wait}, "")
}

// Gauge counts open connections (a prometheus.Gauge satisfies it).
type Gauge interface {
	Inc()
	Dec()
}

// Defaults of the real-time transports; Config overrides them.
const (
	defaultHeartbeat    = 25 * time.Second
	defaultHelloTimeout = 10 * time.Second
	defaultIdleClose    = 5 * time.Minute
	defaultSendQueue    = 64
	defaultFrameRate    = 20 // frames a second per connection, sustained
	defaultFrameBurst   = 40
	defaultAbuseStrikes = 30 // refused frames within a minute before 4008
	wsMaxFrame          = 64 << 10
	wsWriteTimeout      = 10 * time.Second
	pollMaxWait         = 60 * time.Second
	pollDefaultWait     = 25 * time.Second
	replayPage          = 200
)

// realtime tracks the long-lived connections of this instance so that a
// shutdown can drain them: http.Server.Shutdown does not close hijacked
// WebSockets, and long-polls would hold it for up to a minute.
type realtime struct {
	mu        sync.Mutex
	closing   chan struct{} // closed when shutdown starts: no new connections or polls
	goingAway chan struct{} // closed when turns are drained: sockets flush and close 1001
	conns     sync.WaitGroup
	gauge     Gauge
}

func newRealtime(g Gauge) *realtime {
	if g == nil {
		g = nopGauge{}
	}
	return &realtime{closing: make(chan struct{}), goingAway: make(chan struct{}), gauge: g}
}

type nopGauge struct{}

func (nopGauge) Inc() {}
func (nopGauge) Dec() {}

func (rt *realtime) isClosing() bool {
	select {
	case <-rt.closing:
		return true
	default:
		return false
	}
}

// open registers a connection; false when shutting down.
func (rt *realtime) open() bool {
	rt.mu.Lock()
	defer rt.mu.Unlock()
	if rt.isClosing() {
		return false
	}
	rt.conns.Add(1)
	rt.gauge.Inc()
	return true
}

func (rt *realtime) done() {
	rt.gauge.Dec()
	rt.conns.Done()
}

// shutdown refuses new connections, lets drain finish the turns in flight
// (or leave them pending in the store), then closes every socket with 1001
// after it has flushed the frames already queued for it, and waits for the
// connections to end — all within ctx.
func (rt *realtime) shutdown(ctx context.Context, drain func(context.Context)) {
	rt.mu.Lock()
	if rt.isClosing() {
		rt.mu.Unlock()
		return
	}
	close(rt.closing)
	rt.mu.Unlock()
	if drain != nil {
		drain(ctx)
	}
	close(rt.goingAway)
	done := make(chan struct{})
	go func() {
		rt.conns.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-ctx.Done():
	}
}

func realtimeDefaults(c Config) Config {
	def := func(p *int, v int) {
		if *p <= 0 {
			*p = v
		}
	}
	defDur := func(p *time.Duration, v time.Duration) {
		if *p <= 0 {
			*p = v
		}
	}
	defDur(&c.Heartbeat, defaultHeartbeat)
	defDur(&c.HelloTimeout, defaultHelloTimeout)
	defDur(&c.IdleClose, defaultIdleClose)
	def(&c.WSSendQueue, defaultSendQueue)
	def(&c.WSFrameRate, defaultFrameRate)
	def(&c.WSFrameBurst, defaultFrameBurst)
	def(&c.WSAbuseStrikes, defaultAbuseStrikes)
	return c
}
