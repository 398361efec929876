package compat

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/pamtravel/pam/protocol"
)

// Frame types of the original protocol.
const (
	TypeChat             = "chat"
	TypePing             = "ping"
	TypePong             = "pong"
	TypeInit             = "init"
	TypeContextUpdate    = "context_update"
	TypeConnection       = "connection"
	TypeChatResponse     = "chat_response"
	TypeChunk            = "chunk"
	TypeResponseComplete = "response_complete"
	TypeContextUpdated   = "context_updated"
	TypeError            = "error"
)

// WebSocket close codes of the original protocol.
const (
	CloseAuth      = 4001 // token missing, invalid, or not this URL's user
	CloseBlocked   = 4003 // the user is blocked after repeated unsafe messages
	CloseRate      = 4008 // rate limit exceeded again and again
	CloseTooLarge  = 4009 // a frame over the size limit
	CloseKeepalive = 1001 // no pong within the keepalive timeout, or shutdown
	CloseError     = 1011 // server error
)

// ClientFrame is any frame the original app sends; Type says which fields apply.
type ClientFrame struct {
	Type           string          `json:"type"`
	Message        string          `json:"message,omitempty"` // chat (older builds)
	Content        string          `json:"content,omitempty"` // chat (newer builds)
	Context        json.RawMessage `json:"context,omitempty"` // chat, init, context_update
	SessionID      string          `json:"session_id,omitempty"`
	ConversationID string          `json:"conversation_id,omitempty"`
	Stream         bool            `json:"stream,omitempty"`
}

// Text is the chat text, from message or else content.
func (f ClientFrame) Text() string {
	if strings.TrimSpace(f.Message) != "" {
		return f.Message
	}
	return f.Content
}

// Connection is the first server frame after a valid token.
type Connection struct {
	Type      string `json:"type"`
	Status    string `json:"status"`
	UserID    string `json:"user_id"`
	Timestamp string `json:"timestamp"`
}

// UIAction tells the app to reload a view after a tool wrote data.
type UIAction struct {
	Type        string `json:"type"`
	EntityID    string `json:"entity_id,omitempty"`
	EntityType  string `json:"entity_type,omitempty"`
	EntityTitle string `json:"entity_title,omitempty"`
}

// ChatResponse answers a chat (type chat_response), or ends a streamed one
// (type response_complete). Message and Content carry the same text.
type ChatResponse struct {
	Type           string     `json:"type"`
	Message        string     `json:"message"`
	Content        string     `json:"content"`
	MessageID      string     `json:"message_id,omitempty"`
	SessionID      string     `json:"session_id,omitempty"`
	ConversationID string     `json:"conversation_id,omitempty"`
	UIActions      []UIAction `json:"ui_actions"`
	Source         string     `json:"source"`
	Model          string     `json:"model"`
	Degraded       bool       `json:"degraded"`
	Error          string     `json:"error,omitempty"`
	Timestamp      string     `json:"timestamp"`
}

// Chunk is a piece of a streamed answer.
type Chunk struct {
	Type      string `json:"type"`
	Content   string `json:"content"`
	SessionID string `json:"session_id,omitempty"`
	Timestamp string `json:"timestamp"`
}

// ErrorFrame reports a problem; the connection stays unless a close follows.
type ErrorFrame struct {
	Type       string `json:"type"`
	Message    string `json:"message"`
	ErrorCode  string `json:"error_code"`
	SessionID  string `json:"session_id,omitempty"`
	RetryAfter int64  `json:"retry_after,omitempty"` // seconds
	Timestamp  string `json:"timestamp"`
}

// Simple is a frame with only a type and a timestamp (ping, pong, context_updated).
type Simple struct {
	Type      string `json:"type"`
	Timestamp string `json:"timestamp"`
}

// Timestamp renders t as the original server did (ISO 8601, UTC).
func Timestamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// Reload types the original app knows; PAM's other reloads map onto them.
var reloadAlias = map[string]string{
	"reload_fuel":    "reload_expenses", // fuel fill-ups are expenses in the app
	"reload_budgets": "reload_expenses", // budgets live on the expenses page
}

// UIActions maps native UI actions to the app's, in order, without repeats.
func UIActions(in []protocol.UIAction) []UIAction {
	out := make([]UIAction, 0, len(in))
	seen := map[UIAction]bool{}
	for _, a := range in {
		typ := a.Type
		if alias, ok := reloadAlias[typ]; ok {
			typ = alias
		}
		ua := UIAction{Type: typ, EntityID: a.EntityID, EntityType: a.EntityType, EntityTitle: a.EntityTitle}
		if !seen[ua] {
			seen[ua] = true
			out = append(out, ua)
		}
	}
	return out
}

// SourceModel splits a native source ("rules", "anthropic:claude-…") into the
// app's source and model fields.
func SourceModel(source string) (src, model string) {
	if p, m, ok := strings.Cut(source, ":"); ok {
		return p, m
	}
	return source, source
}

// FromMessage converts the native durable answer to the app's chat_response
// (typ chat_response) or response_complete.
func FromMessage(typ string, m protocol.Message, sessionID string, now time.Time) ChatResponse {
	src, model := SourceModel(m.Source)
	return ChatResponse{
		Type: typ, Message: m.Text, Content: m.Text, MessageID: m.MessageID, SessionID: sessionID,
		ConversationID: m.ConversationID, UIActions: UIActions(m.UIActions), Source: src, Model: model,
		Degraded: m.Degraded, Timestamp: Timestamp(now),
	}
}
