package httpapi

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/pamtravel/pam/internal/audit"
	"github.com/pamtravel/pam/internal/compat"
	"github.com/pamtravel/pam/internal/pamerr"
	"github.com/pamtravel/pam/internal/safety"
	"github.com/pamtravel/pam/internal/store"
)

// compatChatRequest is the app's POST /api/v1/pam/chat.
type compatChatRequest struct {
	Message        string          `json:"message"`
	Content        string          `json:"content"`
	SessionID      string          `json:"session_id"`
	ConversationID string          `json:"conversation_id"`
	Context        json.RawMessage `json:"context"`
}

// compatChatResponse answers it.
type compatChatResponse struct {
	Response         string            `json:"response"`
	Actions          []compat.UIAction `json:"actions"`
	SessionID        string            `json:"session_id"`
	ConversationID   string            `json:"conversation_id"`
	MessageID        string            `json:"message_id"`
	ProcessingTimeMs int64             `json:"processing_time_ms"`
	Timestamp        string            `json:"timestamp"`
	Source           string            `json:"source"`
	Model            string            `json:"model"`
	Degraded         bool              `json:"degraded"`
}

// handleChat runs one turn for the app's REST fallback, synchronously, on
// delivery.Chat; a re-send within the dedupe window returns the first answer.
func (a *compatAPI) handleChat(w http.ResponseWriter, r *http.Request) error {
	start := time.Now()
	req, err := decode[compatChatRequest](r)
	if err != nil {
		return err
	}
	text := req.Message
	if strings.TrimSpace(text) == "" {
		text = req.Content
	}
	if strings.TrimSpace(text) == "" {
		return pamerr.Invalid("message", "message is required")
	}
	c := claimsFrom(r.Context())
	cc, err := compat.ParseContext(req.Context)
	if err != nil {
		return err
	}
	if stored, ok := a.contexts.Get(r.Context(), c.UserID); ok {
		if cc, err = stored.Merge(cc); err != nil {
			return err
		}
	}
	session := req.SessionID
	if session == "" {
		session = uuid.NewString()
	}
	in, err := a.inbound(r.Context(), c, req.SessionID, req.ConversationID, text, cc)
	if err != nil {
		return err
	}
	in.RequestID, in.ClientAddr, in.UserAgent = requestID(r.Context()), clientAddr(r), r.UserAgent()
	res, acc, err := a.s.delivery.Chat(r.Context(), in, nil)
	if err != nil {
		return err
	}
	if res.ErrCode != "" {
		return pamerr.New(pamerr.Code(res.ErrCode), "%s", res.ErrMsg)
	}
	a.remember(r.Context(), c.UserID, session, acc.Turn.ConversationID)
	m := res.Frame
	src, model := compat.SourceModel(m.Source)
	encode(w, http.StatusOK, compatChatResponse{
		Response: m.Text, Actions: compat.UIActions(m.UIActions), SessionID: session, ConversationID: m.ConversationID,
		MessageID: m.MessageID, ProcessingTimeMs: time.Since(start).Milliseconds(), Timestamp: compat.Timestamp(time.Now()),
		Source: src, Model: model, Degraded: m.Degraded,
	})
	return nil
}

type compatHistoryMessage struct {
	ID        string `json:"id"`
	Role      string `json:"role"`
	Content   string `json:"content"`
	Timestamp string `json:"timestamp"`
}

// sessionConversation is the conversation of ?session_id=, or the user's
// newest one; "" when there is none.
func (a *compatAPI) sessionConversation(r *http.Request) (string, error) {
	c := claimsFrom(r.Context())
	if sid := r.URL.Query().Get("session_id"); sid != "" {
		id, _ := a.sessions.Get(r.Context(), sessionKey(c.UserID, sid))
		return id, nil
	}
	convs, _, err := a.s.store.ListConversations(r.Context(), c.UserID, store.Page{Limit: 1})
	if err != nil || len(convs) == 0 {
		return "", err
	}
	return convs[0].ID, nil
}

// handleHistory answers GET /history: the newest messages, oldest first.
func (a *compatAPI) handleHistory(w http.ResponseWriter, r *http.Request) error {
	limit := 50
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			return pamerr.Invalid("limit", "limit must be a positive number")
		}
		limit = min(n, 100)
	}
	conv, err := a.sessionConversation(r)
	if err != nil {
		return err
	}
	out := []compatHistoryMessage{}
	if conv != "" {
		msgs, err := a.s.store.RecentMessages(r.Context(), claimsFrom(r.Context()).UserID, conv, limit)
		if err != nil {
			return err
		}
		for _, m := range msgs {
			if m.Role == store.MessageSummary {
				continue
			}
			out = append(out, compatHistoryMessage{ID: m.ID, Role: m.Role, Content: m.Content, Timestamp: compat.Timestamp(m.CreatedAt)})
		}
	}
	encode(w, http.StatusOK, map[string]any{"messages": out, "conversation_id": conv, "total": len(out)})
	return nil
}

// handleClearHistory answers DELETE /history: the session's conversation,
// or every conversation of the user.
func (a *compatAPI) handleClearHistory(w http.ResponseWriter, r *http.Request) error {
	user := claimsFrom(r.Context()).UserID
	var convs []string
	if sid := r.URL.Query().Get("session_id"); sid != "" {
		if id, ok := a.sessions.Get(r.Context(), sessionKey(user, sid)); ok {
			convs = append(convs, id)
		}
	} else {
		cursor := ""
		for {
			page, next, err := a.s.store.ListConversations(r.Context(), user, store.Page{Limit: 100, Cursor: cursor})
			if err != nil {
				return err
			}
			for _, c := range page {
				convs = append(convs, c.ID)
			}
			if next == "" {
				break
			}
			cursor = next
		}
	}
	for _, id := range convs {
		if err := a.s.store.DeleteConversationMessages(r.Context(), user, id); err != nil && !store.IsNotFound(err) {
			return err
		}
	}
	encode(w, http.StatusOK, map[string]any{"success": true, "message": "Conversation history cleared", "cleared_conversations": len(convs)})
	return nil
}

// handleGetContext answers GET /context: what the user last PUT.
func (a *compatAPI) handleGetContext(w http.ResponseWriter, r *http.Request) error {
	c := claimsFrom(r.Context())
	cc, ok := a.contexts.Get(r.Context(), c.UserID)
	if !ok {
		cc = compat.Context{}
	}
	encode(w, http.StatusOK, map[string]any{"user_id": c.UserID, "context": cc})
	return nil
}

// handlePutContext answers PUT /context: {"context": {...}} or the object
// itself, merged into the stored context (which chats over REST and new
// WebSocket connections start from).
func (a *compatAPI) handlePutContext(w http.ResponseWriter, r *http.Request) error {
	body, err := decode[json.RawMessage](r)
	if err != nil {
		return err
	}
	var wrapped struct {
		Context json.RawMessage `json:"context"`
	}
	if json.Unmarshal(body, &wrapped) == nil && len(bytes.TrimSpace(wrapped.Context)) > 0 && bytes.TrimSpace(wrapped.Context)[0] == '{' {
		body = wrapped.Context
	}
	upd, err := compat.ParseContext(body)
	if err != nil {
		return err
	}
	c := claimsFrom(r.Context())
	cur, _ := a.contexts.Get(r.Context(), c.UserID)
	merged, err := cur.Merge(upd)
	if err != nil {
		return err
	}
	a.contexts.Put(r.Context(), c.UserID, merged)
	encode(w, http.StatusOK, map[string]any{"success": true, "context": merged})
	return nil
}

// compatFeedback is POST /feedback.
type compatFeedback struct {
	MessageID string          `json:"message_id"`
	SessionID string          `json:"session_id"`
	Rating    json.RawMessage `json:"rating"` // 1–5, or "up" / "down"
	Feedback  string          `json:"feedback"`
	Comment   string          `json:"comment"`
}

const maxFeedbackChars = 2000

// handleFeedback records a rating in the audit log (kind "feedback"), its
// comment redacted of personal data.
func (a *compatAPI) handleFeedback(w http.ResponseWriter, r *http.Request) error {
	fb, err := decode[compatFeedback](r)
	if err != nil {
		return err
	}
	rating, err := parseRating(fb.Rating)
	if err != nil {
		return err
	}
	comment := fb.Feedback
	if comment == "" {
		comment = fb.Comment
	}
	if utf8.RuneCountInString(comment) > maxFeedbackChars {
		return pamerr.Invalid("feedback", "feedback must be at most %d characters", maxFeedbackChars)
	}
	if len(fb.MessageID) > 128 {
		return pamerr.Invalid("message_id", "message_id must be at most 128 characters")
	}
	args, _ := json.Marshal(map[string]string{"message_id": fb.MessageID, "rating": rating, "comment": safety.RedactString(comment)})
	c := claimsFrom(r.Context())
	rec := &store.AuditRecord{Time: time.Now().UTC(), UserID: c.UserID, RequestID: requestID(r.Context()), Kind: "feedback",
		Action: "rate_answer", Args: args, Outcome: "ok", ClientAddr: clientAddr(r), UserAgent: r.UserAgent()}
	if err := a.s.store.AppendAudit(r.Context(), rec, audit.Hash); err != nil {
		return err
	}
	encode(w, http.StatusOK, map[string]any{"success": true, "message": "Thanks for the feedback", "feedback_id": strconv.FormatInt(rec.Seq, 10)})
	return nil
}

// parseRating accepts 1–5 (number or string), "up"/"down", or true/false.
func parseRating(raw json.RawMessage) (string, error) {
	bad := pamerr.Invalid("rating", "rating must be 1 to 5, \"up\" or \"down\"")
	var n json.Number
	if json.Unmarshal(raw, &n) == nil {
		if i, err := n.Int64(); err == nil && i >= 1 && i <= 5 {
			return strconv.FormatInt(i, 10), nil
		}
		return "", bad
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		switch strings.ToLower(s) {
		case "up", "thumbs_up", "positive":
			return "up", nil
		case "down", "thumbs_down", "negative":
			return "down", nil
		}
		if i, err := strconv.Atoi(s); err == nil && i >= 1 && i <= 5 {
			return s, nil
		}
		return "", bad
	}
	var b bool
	if json.Unmarshal(raw, &b) == nil {
		if b {
			return "up", nil
		}
		return "down", nil
	}
	return "", bad
}

// handleHealth answers GET /api/v1/pam/health (no token needed).
func (a *compatAPI) handleHealth(w http.ResponseWriter, r *http.Request) error {
	status, checks := "healthy", map[string]string{}
	if a.s.ready != nil {
		st, ch := a.s.ready(r.Context())
		checks = ch
		switch st {
		case "degraded":
			status = "degraded"
		case "unavailable":
			status = "unhealthy"
		}
	}
	code := http.StatusOK
	if status == "unhealthy" {
		code = http.StatusServiceUnavailable
	}
	encode(w, code, map[string]any{"status": status, "service": "pam", "version": a.s.cfg.Version,
		"checks": checks, "timestamp": compat.Timestamp(time.Now())})
	return nil
}
