package browsertest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/coder/websocket"
	"github.com/pamtravel/pam/web"
)

// fakePAM is a stand-in for PAM's server that speaks the public contract of DESIGN.md
// (auth, chat REST, WebSocket, long-poll events, expenses) over real HTTP and WebSocket,
// with knobs for timing, streaming, degraded answers and outages. Its state outlives
// Stop/Start, like a database would.
type fakePAM struct {
	t    testing.TB
	addr string
	page http.Handler

	mu        sync.Mutex
	srv       *http.Server
	conns     map[*websocket.Conn]string // open WebSockets → user id
	users     map[string]*fakeUser       // by email
	access    map[string]string          // access token → user id
	refresh   map[string]string          // refresh token → user id
	expenses  map[string][]map[string]any
	events    map[string][]json.RawMessage // durable frames per user; seq = index+1
	turns     map[string]*fakeTurn         // user id + "/" + client id
	turnRuns  map[string]int               // client id → turns actually run
	chatSeen  int                          // chat frames and REST chat calls received
	restChats int
	contexts  []json.RawMessage           // the context of each accepted chat
	history   map[string][]map[string]any // conversation id → messages, oldest first

	// Knobs, set before the browser acts.
	replyDelay time.Duration
	deltas     []string
	deltaGap   time.Duration
	toolGap    time.Duration // > 0: report a create_expense tool call taking this long
	degraded   bool
	wsDisabled bool
	dropChat   bool // one shot: take the next chat, then drop the connection before accepted
	expiresIn  int
	replyText  func(text string) string // overrides the reply when set
}

type fakeUser struct{ id, email, password string }

type fakeTurn struct {
	id, conversationID string
	done               chan struct{}
	seq                int
	reply              map[string]any // the message frame
}

func startFakePAM(t testing.TB) *fakePAM {
	t.Helper()
	page, err := web.Handler()
	if err != nil {
		t.Fatalf("web.Handler: %v", err)
	}
	f := &fakePAM{
		t: t, page: page,
		conns: map[*websocket.Conn]string{}, users: map[string]*fakeUser{}, access: map[string]string{},
		refresh: map[string]string{}, expenses: map[string][]map[string]any{}, events: map[string][]json.RawMessage{},
		turns: map[string]*fakeTurn{}, turnRuns: map[string]int{}, expiresIn: 900, history: map[string][]map[string]any{},
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	f.addr = ln.Addr().String()
	f.serve(ln)
	t.Cleanup(f.Stop)
	return f
}

func (f *fakePAM) URL() string { return "http://" + f.addr }

func (f *fakePAM) serve(ln net.Listener) {
	mux := http.NewServeMux()
	mux.HandleFunc("POST /api/v1/auth/register", f.handleRegister)
	mux.HandleFunc("POST /api/v1/auth/login", f.handleLogin)
	mux.HandleFunc("POST /api/v1/auth/refresh", f.handleRefresh)
	mux.HandleFunc("POST /api/v1/auth/logout", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(204) })
	mux.HandleFunc("GET /api/v1/ws", f.handleWS)
	mux.HandleFunc("POST /api/v1/chat", f.handleChat)
	mux.HandleFunc("GET /api/v1/events", f.handleEvents)
	mux.HandleFunc("GET /api/v1/expenses", f.handleExpenses)
	mux.HandleFunc("GET /api/v1/conversations/{id}/messages", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := f.user(w, r); ok {
			f.mu.Lock()
			items := append([]map[string]any{}, f.history[r.PathValue("id")]...)
			f.mu.Unlock()
			writeJSON(w, 200, map[string]any{"items": items, "next_cursor": ""})
		}
	})
	mux.HandleFunc("GET /api/v1/conversations", func(w http.ResponseWriter, r *http.Request) {
		if _, ok := f.user(w, r); ok {
			f.mu.Lock()
			var items []map[string]any
			for id, msgs := range f.history { // one user per fake in these tests
				items = append(items, map[string]any{"id": id, "title": "", "updated_at": msgs[len(msgs)-1]["created_at"]})
			}
			f.mu.Unlock()
			writeJSON(w, 200, map[string]any{"items": items, "next_cursor": ""})
		}
	})
	mux.Handle("GET /", f.page)
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	f.mu.Lock()
	f.srv = srv
	f.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
}

// Stop takes the server down: the listener closes and every WebSocket drops.
func (f *fakePAM) Stop() {
	f.mu.Lock()
	srv := f.srv
	f.srv = nil
	conns := make([]*websocket.Conn, 0, len(f.conns))
	for c := range f.conns {
		conns = append(conns, c)
	}
	f.mu.Unlock()
	if srv == nil {
		return
	}
	_ = srv.Close()
	for _, c := range conns {
		_ = c.CloseNow()
	}
}

// RevokeAccessTokens invalidates every access token and drops the WebSockets, as an
// expired token would; refresh tokens stay valid.
func (f *fakePAM) RevokeAccessTokens() {
	f.mu.Lock()
	f.access = map[string]string{}
	conns := make([]*websocket.Conn, 0, len(f.conns))
	for c := range f.conns {
		conns = append(conns, c)
	}
	f.mu.Unlock()
	for _, c := range conns {
		_ = c.Close(4001, "token expired")
	}
}

// Start brings a stopped server back on the same address.
func (f *fakePAM) Start() {
	var ln net.Listener
	var err error
	for i := 0; i < 50; i++ {
		if ln, err = net.Listen("tcp", f.addr); err == nil {
			break
		}
		time.Sleep(100 * time.Millisecond)
	}
	if err != nil {
		f.t.Fatalf("relisten on %s: %v", f.addr, err)
	}
	f.serve(ln)
}

func (f *fakePAM) set(fn func(f *fakePAM)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(f)
}

func (f *fakePAM) stats() (chatSeen, restChats int, runs map[string]int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	runs = map[string]int{}
	for k, v := range f.turnRuns {
		runs[k] = v
	}
	return f.chatSeen, f.restChats, runs
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeErr(w http.ResponseWriter, status int, code, msg string) {
	writeJSON(w, status, map[string]any{"error": map[string]string{"code": code, "message": msg, "request_id": "fake"}})
}

func token() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func (f *fakePAM) session(u *fakeUser) map[string]any {
	a, r := token(), token()
	f.access[a] = u.id
	f.refresh[r] = u.id
	return map[string]any{
		"user":         map[string]string{"id": u.id, "email": u.email, "role": "user"},
		"access_token": a, "refresh_token": r, "expires_in": f.expiresIn,
	}
}

func (f *fakePAM) handleRegister(w http.ResponseWriter, r *http.Request) {
	var req struct{ Email, Password, DisplayName string }
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Email == "" || len(req.Password) < 8 {
		writeErr(w, 422, "INVALID_INPUT", "email and a password of 8+ characters are required")
		return
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.users[req.Email] != nil {
		writeErr(w, 409, "CONFLICT", "that email is registered")
		return
	}
	u := &fakeUser{id: "u-" + token()[:8], email: req.Email, password: req.Password}
	f.users[req.Email] = u
	writeJSON(w, 201, f.session(u))
}

func (f *fakePAM) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req struct{ Email, Password string }
	_ = json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.users[req.Email]
	if u == nil || u.password != req.Password {
		writeErr(w, 401, "UNAUTHENTICATED", "wrong email or password")
		return
	}
	writeJSON(w, 200, f.session(u))
}

func (f *fakePAM) handleRefresh(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RefreshToken string `json:"refresh_token"`
	}
	_ = json.NewDecoder(r.Body).Decode(&req)
	f.mu.Lock()
	defer f.mu.Unlock()
	uid, ok := f.refresh[req.RefreshToken]
	if !ok {
		writeErr(w, 401, "UNAUTHENTICATED", "refresh token invalid")
		return
	}
	delete(f.refresh, req.RefreshToken)
	for _, u := range f.users {
		if u.id == uid {
			writeJSON(w, 200, f.session(u))
			return
		}
	}
}

func (f *fakePAM) user(w http.ResponseWriter, r *http.Request) (string, bool) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	f.mu.Lock()
	uid, known := f.access[tok]
	f.mu.Unlock()
	if !ok || !known {
		writeErr(w, 401, "UNAUTHENTICATED", "bad token")
		return "", false
	}
	return uid, true
}

func (f *fakePAM) handleExpenses(w http.ResponseWriter, r *http.Request) {
	uid, ok := f.user(w, r)
	if !ok {
		return
	}
	f.mu.Lock()
	items := append([]map[string]any{}, f.expenses[uid]...)
	f.mu.Unlock()
	writeJSON(w, 200, map[string]any{"items": items, "next_cursor": ""})
}

type chatIn struct {
	id, text, conversationID string
	context                  json.RawMessage
}

func (f *fakePAM) handleChat(w http.ResponseWriter, r *http.Request) {
	uid, ok := f.user(w, r)
	if !ok {
		return
	}
	var req struct {
		Message         string          `json:"message"`
		ConversationID  string          `json:"conversation_id"`
		ClientMessageID string          `json:"client_message_id"`
		Context         json.RawMessage `json:"context"`
	}
	if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.Message == "" {
		writeErr(w, 422, "INVALID_INPUT", "message is required")
		return
	}
	f.mu.Lock()
	f.restChats++
	f.mu.Unlock()
	id := req.ClientMessageID
	if id == "" {
		id = token()
	}
	turn, _ := f.accept(uid, chatIn{id: id, text: req.Message, conversationID: req.ConversationID, context: req.Context})
	select {
	case <-turn.done:
	case <-r.Context().Done():
		return
	}
	m := turn.reply
	writeJSON(w, 200, map[string]any{
		"conversation_id": m["conversation_id"], "message_id": m["message_id"], "reply": m["text"],
		"tool_calls": []any{map[string]string{"name": "create_expense", "status": "ok"}},
		"ui_actions": m["ui_actions"], "degraded": m["degraded"], "source": m["source"],
	})
}

func (f *fakePAM) handleEvents(w http.ResponseWriter, r *http.Request) {
	uid, ok := f.user(w, r)
	if !ok {
		return
	}
	after, _ := strconv.Atoi(r.URL.Query().Get("after"))
	wait, err := time.ParseDuration(r.URL.Query().Get("wait"))
	if err != nil || wait > 25*time.Second {
		wait = 25 * time.Second
	}
	deadline := time.Now().Add(wait)
	for {
		f.mu.Lock()
		evs := f.events[uid]
		var out []json.RawMessage
		if after < len(evs) {
			out = append(out, evs[after:]...)
		}
		last := len(evs)
		f.mu.Unlock()
		if len(out) > 0 || time.Now().After(deadline) {
			if out == nil {
				out = []json.RawMessage{}
			}
			writeJSON(w, 200, map[string]any{"events": out, "last_seq": last})
			return
		}
		select {
		case <-r.Context().Done():
			return
		case <-time.After(50 * time.Millisecond):
		}
	}
}

// accept records a chat idempotently: a known id returns the existing turn.
func (f *fakePAM) accept(uid string, in chatIn) (*fakeTurn, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.chatSeen++
	f.contexts = append(f.contexts, in.context)
	key := uid + "/" + in.id
	if t := f.turns[key]; t != nil {
		return t, false
	}
	conv := in.conversationID
	if conv == "" {
		conv = "c-" + token()[:8]
	}
	t := &fakeTurn{id: "t-" + token()[:8], conversationID: conv, done: make(chan struct{})}
	f.turns[key] = t
	f.turnRuns[in.id]++
	go f.run(uid, in, t)
	return t, true
}

var (
	amountRE   = regexp.MustCompile(`\$(\d+(?:\.\d{1,2})?)`)
	merchantRE = regexp.MustCompile(`\bat ([A-Z][\w']*)`)
)

// run plays one turn: thinking, optional deltas, the durable message.
func (f *fakePAM) run(uid string, in chatIn, t *fakeTurn) {
	f.mu.Lock()
	delay, deltas, gap, degraded, replyText, toolGap := f.replyDelay, f.deltas, f.deltaGap, f.degraded, f.replyText, f.toolGap
	f.mu.Unlock()
	f.broadcast(uid, map[string]any{"type": "thinking", "turn_id": t.id})
	time.Sleep(delay)
	if toolGap > 0 {
		f.broadcast(uid, map[string]any{"type": "tool", "turn_id": t.id, "name": "create_expense", "status": "running"})
		time.Sleep(toolGap)
		f.broadcast(uid, map[string]any{"type": "tool", "turn_id": t.id, "name": "create_expense", "status": "ok"})
	}
	for _, d := range deltas {
		f.broadcast(uid, map[string]any{"type": "delta", "turn_id": t.id, "text": d})
		time.Sleep(gap)
	}
	text := "I can help with expenses, fuel and trips."
	var actions []any
	if m := amountRE.FindStringSubmatch(in.text); m != nil {
		amount := m[1]
		if !strings.Contains(amount, ".") {
			amount += ".00"
		}
		merchant := ""
		if mm := merchantRE.FindStringSubmatch(in.text); mm != nil {
			merchant = mm[1]
		}
		category := "other"
		if strings.Contains(strings.ToLower(in.text), "diesel") || strings.Contains(strings.ToLower(in.text), "gas") {
			category = "fuel"
		}
		f.mu.Lock()
		f.expenses[uid] = append([]map[string]any{{
			"id": "e-" + token()[:8], "amount": map[string]string{"amount": amount, "currency": "USD"},
			"category": category, "merchant": merchant, "date": time.Now().UTC().Format("2006-01-02"),
		}}, f.expenses[uid]...)
		f.mu.Unlock()
		text = fmt.Sprintf("Logged $%s for %s at %s.", amount, category, merchant)
		actions = []any{map[string]string{"type": "reload_expenses", "entity_type": "expense"}}
	}
	if len(deltas) > 0 {
		text = strings.Join(deltas, "")
	}
	if replyText != nil {
		text = replyText(in.text)
	}
	f.mu.Lock()
	seq := len(f.events[uid]) + 1
	msg := map[string]any{
		"type": "message", "seq": seq, "turn_id": t.id, "id": in.id, "conversation_id": t.conversationID,
		"message_id": "m-" + token()[:8], "text": text, "ui_actions": actions, "degraded": degraded, "source": "fake",
	}
	raw, _ := json.Marshal(msg)
	f.events[uid] = append(f.events[uid], raw)
	now := time.Now().UTC()
	f.history[t.conversationID] = append(f.history[t.conversationID],
		map[string]any{"id": "m-" + token()[:8], "conversation_id": t.conversationID, "role": "user", "content": in.text,
			"client_message_id": in.id, "degraded": false, "created_at": now.Add(-time.Millisecond).Format(time.RFC3339Nano)},
		map[string]any{"id": msg["message_id"], "conversation_id": t.conversationID, "role": "assistant", "content": text,
			"degraded": degraded, "created_at": now.Format(time.RFC3339Nano)})
	t.seq, t.reply = seq, msg
	f.mu.Unlock()
	close(t.done)
	f.broadcast(uid, msg)
}

func (f *fakePAM) broadcast(uid string, frame map[string]any) {
	raw, _ := json.Marshal(frame)
	f.mu.Lock()
	var targets []*websocket.Conn
	for c, u := range f.conns {
		if u == uid {
			targets = append(targets, c)
		}
	}
	f.mu.Unlock()
	for _, c := range targets {
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		_ = c.Write(ctx, websocket.MessageText, raw)
		cancel()
	}
}

func (f *fakePAM) handleWS(w http.ResponseWriter, r *http.Request) {
	f.mu.Lock()
	disabled := f.wsDisabled
	f.mu.Unlock()
	if disabled {
		writeErr(w, 503, "UPSTREAM_UNAVAILABLE", "websocket disabled")
		return
	}
	c, err := websocket.Accept(w, r, nil)
	if err != nil {
		return
	}
	defer c.CloseNow()
	c.SetReadLimit(64 << 10)
	ctx := r.Context()
	send := func(v any) error {
		raw, _ := json.Marshal(v)
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		defer cancel()
		return c.Write(wctx, websocket.MessageText, raw)
	}
	hctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	_, data, err := c.Read(hctx)
	cancel()
	var hello struct {
		Type    string `json:"type"`
		Token   string `json:"token"`
		LastSeq *int   `json:"last_seq"`
	}
	if err != nil || json.Unmarshal(data, &hello) != nil || hello.Type != "hello" {
		c.Close(4001, "hello expected")
		return
	}
	f.mu.Lock()
	uid, ok := f.access[hello.Token]
	var replay []json.RawMessage
	last := len(f.events[uid])
	if ok && hello.LastSeq != nil && *hello.LastSeq < last {
		replay = append(replay, f.events[uid][*hello.LastSeq:]...)
	}
	if ok {
		f.conns[c] = uid
	}
	f.mu.Unlock()
	if !ok {
		c.Close(4001, "bad token")
		return
	}
	defer func() {
		f.mu.Lock()
		delete(f.conns, c)
		f.mu.Unlock()
	}()
	if send(map[string]any{"type": "welcome", "user_id": uid, "last_seq": last, "recovered": true, "heartbeat_ms": 25000}) != nil {
		return
	}
	for _, ev := range replay {
		wctx, cancel := context.WithTimeout(ctx, 2*time.Second)
		err := c.Write(wctx, websocket.MessageText, ev)
		cancel()
		if err != nil {
			return
		}
	}
	for {
		_, data, err := c.Read(ctx)
		if err != nil {
			return
		}
		var in struct {
			Type           string          `json:"type"`
			ID             string          `json:"id"`
			Text           string          `json:"text"`
			ConversationID string          `json:"conversation_id"`
			Context        json.RawMessage `json:"context"`
		}
		if json.Unmarshal(data, &in) != nil {
			_ = send(map[string]any{"type": "error", "code": "INVALID_INPUT", "message": "malformed JSON"})
			continue
		}
		switch in.Type {
		case "chat":
			t, fresh := f.accept(uid, chatIn{id: in.ID, text: in.Text, conversationID: in.ConversationID, context: in.Context})
			f.mu.Lock()
			drop := f.dropChat
			f.dropChat = false
			f.mu.Unlock()
			if drop { // the turn runs on, but this connection never says it was accepted
				_ = c.CloseNow()
				return
			}
			_ = send(map[string]any{"type": "accepted", "id": in.ID, "conversation_id": t.conversationID})
			if !fresh {
				select {
				case <-t.done:
					_ = send(t.reply)
				default: // the running turn broadcasts its message to this connection too
				}
			}
		case "ping":
			_ = send(map[string]any{"type": "pong"})
		case "ack", "auth":
		default:
			_ = send(map[string]any{"type": "error", "code": "INVALID_INPUT", "message": "unknown frame type"})
		}
	}
}
