// Package protocol is PAM's one typed contract for clients: the REST chat
// request and response, the chat context, and every WebSocket / SSE /
// long-poll frame. The server, pamclient and (through /openapi.json) the chat
// page use these types.
package protocol

import (
	"encoding/json"
	"fmt"
	"time"
)

// Frame types.
const (
	TypeHello    = "hello"
	TypeChat     = "chat"
	TypeAck      = "ack"
	TypeAuth     = "auth"
	TypePing     = "ping"
	TypeWelcome  = "welcome"
	TypeAccepted = "accepted"
	TypeThinking = "thinking"
	TypeDelta    = "delta"
	TypeTool     = "tool"
	TypeMessage  = "message"
	TypeError    = "error"
	TypePong     = "pong"
)

// Location is a device position sent with a message.
type Location struct {
	Lat       float64   `json:"lat"`
	Lng       float64   `json:"lng"`
	AccuracyM float64   `json:"accuracy_m,omitempty"`
	Timestamp time.Time `json:"timestamp,omitempty"`
}

// ChatContext is what a client may tell PAM about the moment of a message.
type ChatContext struct {
	Location *Location `json:"location,omitempty"`
	Timezone string    `json:"timezone,omitempty"`
	Locale   string    `json:"locale,omitempty"`
}

// Validate checks the context's fields.
func (c *ChatContext) Validate() error {
	if c == nil {
		return nil
	}
	if l := c.Location; l != nil {
		if l.Lat < -90 || l.Lat > 90 {
			return fmt.Errorf("context.location.lat must be between -90 and 90")
		}
		if l.Lng < -180 || l.Lng > 180 {
			return fmt.Errorf("context.location.lng must be between -180 and 180")
		}
	}
	if c.Timezone != "" {
		if _, err := time.LoadLocation(c.Timezone); err != nil {
			return fmt.Errorf("context.timezone %q is not an IANA time zone", c.Timezone)
		}
	}
	if len(c.Locale) > 35 {
		return fmt.Errorf("context.locale is too long")
	}
	return nil
}

// ChatRequest is POST /api/v1/chat.
type ChatRequest struct {
	Message         string          `json:"message"`
	ConversationID  string          `json:"conversation_id,omitempty"`
	ClientMessageID string          `json:"client_message_id,omitempty"`
	Context         json.RawMessage `json:"context,omitempty"`
}

// ToolCall is a tool the turn used and how it went.
type ToolCall struct {
	Name   string `json:"name"`
	Status string `json:"status"`
}

// UIAction tells a client to refresh a view after a tool wrote data.
type UIAction struct {
	Type        string `json:"type"`
	EntityID    string `json:"entity_id,omitempty"`
	EntityType  string `json:"entity_type,omitempty"`
	EntityTitle string `json:"entity_title,omitempty"`
}

// Safety reports that the safety layer let a message through but flagged it.
type Safety struct {
	Flagged    bool     `json:"flagged"`
	Categories []string `json:"categories"`
}

// ChatResponse answers POST /api/v1/chat.
type ChatResponse struct {
	ConversationID string     `json:"conversation_id"`
	MessageID      string     `json:"message_id"`
	Reply          string     `json:"reply"`
	ToolCalls      []ToolCall `json:"tool_calls"`
	UIActions      []UIAction `json:"ui_actions"`
	Degraded       bool       `json:"degraded"`
	Source         string     `json:"source"`
	Seq            int64      `json:"seq,omitempty"`
	Safety         *Safety    `json:"safety,omitempty"`
}

// ClientFrame is any frame a client sends; Type says which fields apply.
type ClientFrame struct {
	Type           string          `json:"type"`
	Token          string          `json:"token,omitempty"`           // hello, auth
	LastSeq        *int64          `json:"last_seq,omitempty"`        // hello
	ID             string          `json:"id,omitempty"`              // chat: the idempotency key
	Text           string          `json:"text,omitempty"`            // chat
	ConversationID string          `json:"conversation_id,omitempty"` // chat
	Context        json.RawMessage `json:"context,omitempty"`         // chat
	Seq            int64           `json:"seq,omitempty"`             // ack
	Device         string          `json:"device,omitempty"`          // hello: a stable device id for acks
}

// Welcome answers a valid hello.
type Welcome struct {
	Type        string `json:"type"`
	UserID      string `json:"user_id"`
	LastSeq     int64  `json:"last_seq"`
	Recovered   bool   `json:"recovered"`
	HeartbeatMs int64  `json:"heartbeat_ms"`
}

// Accepted says a chat message is durably stored.
type Accepted struct {
	Type           string `json:"type"`
	ID             string `json:"id"`
	ConversationID string `json:"conversation_id"`
}

// Thinking says PAM is working on a turn; Notice carries "still working" text.
type Thinking struct {
	Type   string `json:"type"`
	TurnID string `json:"turn_id"`
	Notice string `json:"notice,omitempty"`
}

// Delta is streamed reply text.
type Delta struct {
	Type   string `json:"type"`
	TurnID string `json:"turn_id"`
	Text   string `json:"text"`
}

// Tool is tool progress.
type Tool struct {
	Type   string `json:"type"`
	TurnID string `json:"turn_id"`
	Name   string `json:"name"`
	Status string `json:"status"`
}

// Message is the durable answer of a turn.
type Message struct {
	Type           string     `json:"type"`
	Seq            int64      `json:"seq"`
	TurnID         string     `json:"turn_id"`
	ID             string     `json:"id"` // the client's chat id
	ConversationID string     `json:"conversation_id"`
	MessageID      string     `json:"message_id"`
	Text           string     `json:"text"`
	ToolCalls      []ToolCall `json:"tool_calls"`
	UIActions      []UIAction `json:"ui_actions"`
	Degraded       bool       `json:"degraded"`
	Source         string     `json:"source"`
	Safety         *Safety    `json:"safety,omitempty"`
}

// Error reports a problem; with Seq it is durable and ends a chat.
type Error struct {
	Type         string `json:"type"`
	Code         string `json:"code"`
	Message      string `json:"message"`
	ID           string `json:"id,omitempty"`
	Seq          int64  `json:"seq,omitempty"`
	RetryAfterMs int64  `json:"retry_after_ms,omitempty"`
}

// Pong answers ping.
type Pong struct {
	Type string `json:"type"`
}

// Events answers GET /api/v1/events.
type Events struct {
	Events  []json.RawMessage `json:"events"`
	LastSeq int64             `json:"last_seq"`
	// Recovered is false when frames after the asked seq are no longer kept:
	// the client reloads history over REST (as after welcome.recovered:false).
	Recovered bool `json:"recovered"`
}

// WebSocket close codes.
const (
	CloseAuth     = 4001
	CloseAbuse    = 4008
	CloseTooLarge = 4009
)
