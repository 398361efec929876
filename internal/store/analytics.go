package store

import (
	"encoding/json"
	"time"
)

// Feedback ratings.
const (
	RatingUp   = "up"
	RatingDown = "down"
)

// Feedback is a user's thumbs up or down on one of PAM's answers, with an
// optional note. A user has at most one feedback per message; giving it again
// replaces it.
type Feedback struct {
	ID             string    `json:"id"`
	UserID         string    `json:"user_id"`
	MessageID      string    `json:"message_id"`
	ConversationID string    `json:"conversation_id"`
	Rating         string    `json:"rating"` // RatingUp or RatingDown
	Note           string    `json:"note,omitempty"`
	CreatedAt      time.Time `json:"created_at"`
}

// ClientEvent is an analytics event a client reported (page view, button
// click, voice used…). Props is a small JSON object, already size-checked.
type ClientEvent struct {
	ID        string          `json:"id"`
	UserID    string          `json:"-"`
	Name      string          `json:"name"`
	Props     json.RawMessage `json:"props,omitempty"`
	CreatedAt time.Time       `json:"created_at"`
}

// Usage fact kinds, as ScanUsage reports them.
const (
	UsageTurn   = "turn"   // a durably accepted user message; Failed when dead-lettered
	UsageReply  = "reply"  // an assistant message; Name is the model that answered
	UsageTool   = "tool"   // an audited tool call; Name is the tool, Failed when its outcome was not ok
	UsageClient = "client" // a client analytics event; Name is the event name
)

// UsageFact is one countable thing for the admin usage view.
type UsageFact struct {
	Kind   string
	Name   string
	Failed bool            // turn: dead-lettered; reply: degraded; tool: outcome not ok
	Meta   json.RawMessage // UsageReply: the message meta (it may carry token usage)
	At     time.Time
}
