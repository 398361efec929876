package httpapi

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/pamtravel/pam/internal/auth"
	"github.com/pamtravel/pam/internal/compat"
	"github.com/pamtravel/pam/internal/delivery"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/store"
)

// Defaults of the compatibility surface; Config overrides them.
const (
	defaultCompatPongTimeout = 70 * time.Second
	compatSessionTTL         = 24 * time.Hour
	compatMemoSize           = 100_000
)

// compatAPI serves the original Wheels & Wins app under /api/v1/pam on the
// server's engine. What the app expects PAM to remember between requests
// (session → conversation, the context a user PUT) lives in bounded memos,
// shared by every instance through Redis when it is configured.
type compatAPI struct {
	s           *server
	dedupe      compat.Dedupe
	pongTimeout time.Duration
	sessions    *compat.Shared[string]         // user + session_id → conversation id
	contexts    *compat.Shared[compat.Context] // user → context from PUT /context
}

func newCompatAPI(s *server) *compatAPI {
	window := s.cfg.CompatDedupeWindow
	if window == 0 {
		window = compat.DefaultDedupeWindow
	}
	pong := s.cfg.CompatPongTimeout
	if pong <= 0 {
		pong = defaultCompatPongTimeout
	}
	a := &compatAPI{s: s, pongTimeout: pong,
		sessions: compat.NewShared[string](s.shared, "compat:session:", compatSessionTTL, compatMemoSize),
		contexts: compat.NewShared[compat.Context](s.shared, "compat:context:", compatSessionTTL, compatMemoSize)}
	a.dedupe = compat.Dedupe{Window: window, Find: a.findTurn}
	return a
}

func (a *compatAPI) findTurn(ctx context.Context, userID, clientID string) (time.Time, bool, error) {
	t, err := a.s.store.TurnByClientID(ctx, userID, clientID)
	if store.IsNotFound(err) {
		return time.Time{}, false, nil
	}
	if err != nil {
		return time.Time{}, false, err
	}
	return t.CreatedAt, true, nil
}

func sessionKey(userID, sessionID string) string { return userID + "\x00" + sessionID }

// remember ties the app's session_id to the conversation it runs in.
func (a *compatAPI) remember(ctx context.Context, userID, sessionID, conversationID string) {
	if sessionID != "" && conversationID != "" {
		a.sessions.Put(ctx, sessionKey(userID, sessionID), conversationID)
	}
}

// conversation picks the conversation of a chat: the app's conversation_id
// when it is one of this user's PAM conversations, else the session's, else
// "" (a new one). The app's own ids from its old database are not errors.
func (a *compatAPI) conversation(ctx context.Context, userID, sessionID, conversationID string) (string, error) {
	if conversationID != "" {
		c, err := a.s.store.ConversationByID(ctx, userID, conversationID)
		if err == nil {
			return c.ID, nil
		}
		if !store.IsNotFound(err) {
			return "", err
		}
	}
	if sessionID == "" {
		return "", nil
	}
	id, ok := a.sessions.Get(ctx, sessionKey(userID, sessionID))
	if !ok {
		return "", nil
	}
	if _, err := a.s.store.ConversationByID(ctx, userID, id); err != nil {
		a.sessions.Delete(ctx, sessionKey(userID, sessionID))
		if store.IsNotFound(err) {
			return "", nil
		}
		return "", err
	}
	return id, nil
}

// inbound builds the engine's message for an app chat: the durable id from
// the dedupe window, the conversation, and the native part of the context.
func (a *compatAPI) inbound(ctx context.Context, c auth.Claims, sessionID, conversationID, text string, cc compat.Context) (delivery.Inbound, error) {
	if len(sessionID) > 128 {
		return delivery.Inbound{}, pamerr.Invalid("session_id", "session_id must be at most 128 characters")
	}
	native, err := cc.NativeJSON()
	if err != nil {
		return delivery.Inbound{}, err
	}
	conv, err := a.conversation(ctx, c.UserID, sessionID, conversationID)
	if err != nil {
		return delivery.Inbound{}, err
	}
	id, err := a.dedupe.ID(ctx, c.UserID, sessionID, text, time.Now(), uuid.NewString)
	if err != nil {
		return delivery.Inbound{}, err
	}
	return delivery.Inbound{UserID: c.UserID, Role: c.Role, ClientMessageID: id, ConversationID: conv, Text: text, Context: native,
		Authorize: func(ctx context.Context) error { return a.s.auth.CheckRevoked(ctx, c) }}, nil
}

// compatHandler is a handler whose errors are answered in the app's shape.
type compatHandler func(w http.ResponseWriter, r *http.Request) error

func (h compatHandler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if err := h(w, r); err != nil {
		writeCompatError(w, r, err, compat.FromEngine)
	}
}

// compatErrorBody carries both shapes: FastAPI's detail and error_code, which
// the app reads, and PAM's envelope.
type compatErrorBody struct {
	Detail    string      `json:"detail"`
	ErrorCode string      `json:"error_code"`
	Error     errorDetail `json:"error"`
}

func writeCompatError(w http.ResponseWriter, r *http.Request, err error, from compat.Origin) {
	var limited *compatLimited
	if errors.As(err, &limited) {
		from = compat.FromLimiter
	}
	code := pamerr.CodeOf(err)
	status := pamerr.Status(code)
	if ra := pamerr.RetryAfterOf(err); ra > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((ra+time.Second-1)/time.Second)))
	}
	log := loggerFrom(r.Context())
	if status >= 500 {
		log.Error("compat request failed", "code", code, "error", err)
	} else {
		log.Info("compat request refused", "code", code, "error", err)
	}
	msg := pamerr.MessageOf(err)
	var pe *pamerr.Error
	field := ""
	if errors.As(err, &pe) {
		field = pe.Field
	}
	encode(w, status, compatErrorBody{Detail: msg, ErrorCode: compat.ErrorCode(err, from),
		Error: errorDetail{Code: string(code), Message: msg, Field: field, RequestID: requestID(r.Context())}})
}

// compatLimited marks a refusal of the request limiter (RATE_LIMIT_EXCEEDED),
// as against the safety layer's block of a user (SUSPICIOUS_CONTENT).
type compatLimited struct{ error }

func (e *compatLimited) Unwrap() error { return e.error }

// compatAuth is requireAuth answering in the app's shape.
func (a *compatAPI) compatAuth(next http.Handler) http.Handler {
	return compatHandler(func(w http.ResponseWriter, r *http.Request) error {
		tok := bearer(r)
		if tok == "" {
			return pamerr.New(pamerr.Unauthenticated, "sign in first: send an Authorization: Bearer token")
		}
		c, err := a.s.auth.Verify(r.Context(), tok)
		if err != nil {
			return err
		}
		a.s.auth.Touch(r.Context(), c)
		ctx := authenticated(r.Context(), c)
		if err := a.s.limitUser(ctx, c.UserID); err != nil {
			return &compatLimited{err}
		}
		next.ServeHTTP(w, withContext(r, ctx))
		return nil
	})
}

// cors lets the app, served from its own origin, call these routes. Tokens
// travel in the Authorization header, never cookies, so any origin may ask.
func (a *compatAPI) cors(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Access-Control-Allow-Origin", "*")
		h.Set("Access-Control-Allow-Headers", "Authorization, Content-Type, X-Request-ID")
		h.Set("Access-Control-Allow-Methods", "GET, POST, PUT, DELETE, OPTIONS")
		h.Set("Access-Control-Expose-Headers", "X-Request-ID, Retry-After")
		h.Set("Access-Control-Max-Age", "600")
		if r.Method == http.MethodOptions {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		next.ServeHTTP(w, r)
	})
}
